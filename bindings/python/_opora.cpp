// _opora: the native half of the Python package `opora`.
//
// A client of the public C ABI (opora.h) and nothing else: it turns Python
// objects into JSON text, calls opora_db_call() with the GIL released, and
// turns the JSON result back into plain Python objects (str, int, bool, None,
// list, dict). Dates, money and the exception classes are the business of the
// pure-Python layer (opora/__init__.py), which maps NativeError to them.
//
// A progress callback (opora_db_set_progress) is a Python callable reached
// through a trampoline that takes the GIL back for the length of the callback.
#include <opora/opora.h>
#include <pybind11/pybind11.h>

// Boost.JSON header-only: its implementation is compiled in this one TU.
#include <boost/json/src.hpp>

#include <datetime.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace py = pybind11;
namespace json = boost::json;

namespace {

// Deeper nesting than this in params is taken for a reference cycle.
constexpr int kMaxDepth = 200;
// Results may nest deeper than Boost.JSON's default limit of 32.
constexpr std::size_t kMaxResultDepth = 1000;

// Python objects looked up once at import. Deliberately never released: they
// must outlive every Database, including those freed during interpreter exit.
struct PyTypes {
  PyObject* decimal = nullptr;       // decimal.Decimal
  PyObject* mapping = nullptr;       // collections.abc.Mapping
  PyObject* sequence = nullptr;      // collections.abc.Sequence
  PyObject* utc = nullptr;           // datetime.timezone.utc
  PyObject* native_error = nullptr;  // _opora.NativeError
};
PyTypes g_types;

// ------------------------------------------------------------------ errors --

// What a failed C call left in the thread-local error slots, copied before
// anything else can overwrite them.
struct Failure {
  int code = OPORA_OK;
  std::string message;
  std::string error_json;
};

Failure capture_failure(int code) {
  return Failure{code, opora_last_error_message(), opora_last_error_json()};
}

void append_json_string(std::string& out, std::string_view text);

// A failure that did not come from the library (closed handle, bad result text),
// described in the same JSON shape as opora_last_error_json().
Failure local_failure(int code, const char* name, const std::string& message) {
  std::string text =
      "{\"code\": " + std::to_string(code) + ", \"name\": \"" + name + "\", \"message\": ";
  append_json_string(text, message);
  text += ", \"errors\": []}";
  return Failure{code, message, std::move(text)};
}

// Raises _opora.NativeError(code, message, error_json); the Python layer maps
// the code to its exception class.
[[noreturn]] void raise_native(const Failure& f) {
  py::tuple args = py::make_tuple(f.code, f.message, f.error_json);
  PyErr_SetObject(g_types.native_error, args.ptr());
  throw py::error_already_set();
}

// ------------------------------------------------------- Python -> JSON --

// Where in the input a value sits, for error messages: params.items[2].price.
class KeyPath {
 public:
  explicit KeyPath(std::string root) : root_(std::move(root)) {}
  void push_key(std::string_view key) { parts_.emplace_back(std::string(key)); }
  void push_index(std::size_t index) { parts_.emplace_back(index); }
  void pop() { parts_.pop_back(); }

  std::string str() const {
    std::string out = root_;
    for (const auto& part : parts_) {
      if (const auto* key = std::get_if<std::string>(&part)) {
        out += '.';
        out += *key;
      } else {
        out += '[' + std::to_string(std::get<std::size_t>(part)) + ']';
      }
    }
    return out;
  }

 private:
  std::string root_;
  std::vector<std::variant<std::string, std::size_t>> parts_;
};

std::string type_name(py::handle obj) {
  return Py_TYPE(obj.ptr())->tp_name;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string_view utf8(py::handle str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();  // e.g. a lone surrogate
  return {data, static_cast<std::size_t>(size)};
}

std::string two(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

std::string four(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", v);
  return buf;
}

// Serialises one Python value as JSON text. Only types with an exact JSON form
// are accepted; float is refused because money must not pass through binary
// floating point.
class Encoder {
 public:
  explicit Encoder(std::string root) : path_(std::move(root)) {}

  std::string encode(py::handle obj) {
    std::string out;
    value(obj, out, 0);
    return out;
  }

 private:
  void value(py::handle obj, std::string& out, int depth) {
    if (depth > kMaxDepth)
      throw py::value_error(path_.str() + ": nesting is deeper than " + std::to_string(kMaxDepth) +
                            " levels (a reference cycle?)");
    PyObject* p = obj.ptr();
    if (p == Py_None) {
      out += "null";
    } else if (PyBool_Check(p)) {
      out += p == Py_True ? "true" : "false";
    } else if (PyLong_Check(p)) {
      integer(obj, out);
    } else if (PyFloat_Check(p)) {
      throw py::type_error(path_.str() +
                           ": float is not accepted because floats are not exact for money; "
                           "pass decimal.Decimal or str (for example Decimal(\"1234.56\"))");
    } else if (PyUnicode_Check(p)) {
      append_json_string(out, utf8(obj));
    } else if (PyDict_Check(p)) {
      object(obj, out, depth);
    } else if (PyList_Check(p) || PyTuple_Check(p)) {
      array(obj, out, depth);
    } else if (PyDateTime_Check(p)) {  // before PyDate_Check: datetime is a date
      date_time(obj, out);
    } else if (PyDate_Check(p)) {
      const int y = PyDateTime_GET_YEAR(p), m = PyDateTime_GET_MONTH(p), d = PyDateTime_GET_DAY(p);
      out += '"' + four(y) + '-' + two(m) + '-' + two(d) + '"';
    } else if (PyObject_IsInstance(p, g_types.decimal) == 1) {
      decimal(obj, out);
    } else if (PyObject_IsInstance(p, g_types.mapping) == 1) {
      // Any other Mapping (MappingProxyType, UserDict, ChainMap): as the dict it reads as.
      object(py::dict(py::reinterpret_borrow<py::object>(obj)), out, depth);
    } else if (!PyBytes_Check(p) && !PyByteArray_Check(p) &&
               PyObject_IsInstance(p, g_types.sequence) == 1) {
      // Any other Sequence (deque, range, a custom one), str and bytes excepted above.
      array(py::list(py::reinterpret_borrow<py::object>(obj)), out, depth);
    } else {
      if (PyErr_Occurred()) throw py::error_already_set();
      throw py::type_error(path_.str() + ": cannot convert " + type_name(obj) +
                           " to JSON (use a dict or other Mapping, a list, tuple or other "
                           "Sequence, str, int, bool, None, decimal.Decimal, datetime.date or "
                           "datetime.datetime)");
    }
  }

  void integer(py::handle obj, std::string& out) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (overflow == 0) {
      out += std::to_string(v);
      return;
    }
    // Beyond 64 bits: the decimal digits, whatever the int subclass's str() says.
    py::object digits = py::reinterpret_steal<py::object>(PyNumber_ToBase(obj.ptr(), 10));
    if (!digits) throw py::error_already_set();
    out += utf8(digits);
  }

  void object(py::handle obj, std::string& out, int depth) {
    out += '{';
    bool first = true;
    PyObject *key = nullptr, *val = nullptr;
    Py_ssize_t pos = 0;
    while (PyDict_Next(obj.ptr(), &pos, &key, &val)) {
      // Hold both: encoding a value may run Python code (Decimal formatting).
      const auto k = py::reinterpret_borrow<py::object>(key);
      const auto v = py::reinterpret_borrow<py::object>(val);
      if (!PyUnicode_Check(k.ptr()))
        throw py::type_error(path_.str() + ": dict keys must be str, not " + type_name(k));
      const std::string_view name = utf8(k);
      if (!first) out += ',';
      first = false;
      append_json_string(out, name);
      out += ':';
      path_.push_key(name);
      value(v, out, depth + 1);
      path_.pop();
    }
    out += '}';
  }

  void array(py::handle obj, std::string& out, int depth) {
    const auto seq = py::reinterpret_borrow<py::sequence>(obj);
    out += '[';
    const std::size_t n = seq.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i != 0) out += ',';
      path_.push_index(i);
      value(seq[i], out, depth + 1);
      path_.pop();
    }
    out += ']';
  }

  // An aware datetime as "YYYY-MM-DDTHH:MM:SSZ" in UTC. Microseconds are
  // dropped: opora keeps time to the second.
  void date_time(py::handle obj, std::string& out) {
    if (obj.attr("utcoffset")().is_none())
      throw py::value_error(path_.str() +
                            ": naive datetime; give it a time zone, for example "
                            "datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)");
    const py::object u = obj.attr("astimezone")(py::handle(g_types.utc));
    PyObject* p = u.ptr();
    out += '"' + four(PyDateTime_GET_YEAR(p)) + '-' + two(PyDateTime_GET_MONTH(p)) + '-' +
           two(PyDateTime_GET_DAY(p)) + 'T' + two(PyDateTime_DATE_GET_HOUR(p)) + ':' +
           two(PyDateTime_DATE_GET_MINUTE(p)) + ':' + two(PyDateTime_DATE_GET_SECOND(p)) + "Z\"";
  }

  // A Decimal as a JSON string in plain notation: Decimal("1E+3") -> "1000".
  void decimal(py::handle obj, std::string& out) {
    if (!py::cast<bool>(obj.attr("is_finite")()))
      throw py::value_error(path_.str() + ": " + py::cast<std::string>(py::str(obj)) +
                            " is not a finite number");
    const auto text =
        py::reinterpret_steal<py::object>(PyObject_Format(obj.ptr(), py::str("f").ptr()));
    if (!text) throw py::error_already_set();
    append_json_string(out, utf8(text));
  }

  KeyPath path_;
};

// ------------------------------------------------------- JSON -> Python --

py::object to_python(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return py::none();
    case json::kind::bool_:
      return py::bool_(v.get_bool());
    case json::kind::int64:
      return py::int_(static_cast<long long>(v.get_int64()));
    case json::kind::uint64:
      return py::int_(static_cast<unsigned long long>(v.get_uint64()));
    case json::kind::double_:
      return py::float_(v.get_double());
    case json::kind::string: {
      const json::string& s = v.get_string();
      return py::str(s.data(), s.size());
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      py::list out(a.size());
      for (std::size_t i = 0; i < a.size(); ++i) out[i] = to_python(a[i]);
      return std::move(out);
    }
    case json::kind::object: {
      py::dict out;
      for (const auto& kv : v.get_object())
        out[py::str(kv.key().data(), kv.key().size())] = to_python(kv.value());
      return std::move(out);
    }
  }
  return py::none();
}

std::string checked_text(const std::string& s, const char* what) {
  if (s.find('\0') != std::string::npos)
    throw py::value_error(std::string(what) + " must not contain NUL characters");
  return s;
}

// The Python callable behind a handle's watch callback (opora_db_set_watch).
struct WatchHook {
  py::object callback;
};

// Called by the library after a call committed, on the calling thread,
// without the GIL: hands the record to Python as a dict. The call has
// committed, so what the callback raises cannot fail it: it is reported as
// unraisable, as Python does for callbacks it cannot propagate from.
void watch_trampoline(void* user_data, const char* record) noexcept {
  const auto* hook = static_cast<const WatchHook*>(user_data);
  const py::gil_scoped_acquire gil;
  try {
    hook->callback(py::module_::import("json").attr("loads")(py::str(record)));
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("opora watch callback");
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(nullptr);
  }
}

// ---------------------------------------------------------------- Database --

// ---------------------------------------------------------------- progress --

class Database;

// The Python callable behind a handle's progress callback; its address is the
// user_data the library passes back to progress_trampoline().
struct ProgressHook {
  py::object callback;
};

// One opora_db_call() in progress on this thread. Frames chain because a
// progress callback may call into another handle.
struct CallFrame {
  const Database* db = nullptr;
  CallFrame* outer = nullptr;
  // What the progress callback raised; re-raised once the call has returned.
  std::unique_ptr<py::error_already_set> callback_error;
};

thread_local CallFrame* t_call_frame = nullptr;

// Pushes a frame for the duration of one call on this thread.
class CallFrameScope {
 public:
  explicit CallFrameScope(CallFrame& frame) : frame_(frame) {
    frame_.outer = t_call_frame;
    t_call_frame = &frame_;
  }
  ~CallFrameScope() { t_call_frame = frame_.outer; }
  CallFrameScope(const CallFrameScope&) = delete;
  CallFrameScope& operator=(const CallFrameScope&) = delete;

 private:
  CallFrame& frame_;
};

// True when this thread is inside a call on `db`, that is, in its progress
// callback: a call on the same handle from there would deadlock.
bool inside_call_on(const Database* db) {
  for (const CallFrame* f = t_call_frame; f != nullptr; f = f->outer)
    if (f->db == db) return true;
  return false;
}

// Called by the library on the thread inside opora_db_call(), without the
// GIL. Returns nonzero (stop after this chunk) when the callback returns
// False or raises; what it raised waits in the call's frame.
int progress_trampoline(void* user_data, const char* method, long long done,
                        long long total) noexcept {
  const auto* hook = static_cast<const ProgressHook*>(user_data);
  const py::gil_scoped_acquire gil;
  try {
    const py::object answer = hook->callback(py::str(method), done, total);
    // A pending KeyboardInterrupt stops the work at this chunk as well.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    return answer.ptr() == Py_False ? 1 : 0;
  } catch (py::error_already_set& e) {
    if (t_call_frame != nullptr && !t_call_frame->callback_error) {
      t_call_frame->callback_error = std::make_unique<py::error_already_set>(std::move(e));
    } else {
      e.discard_as_unraisable("opora progress callback");
    }
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    if (t_call_frame != nullptr && !t_call_frame->callback_error)
      t_call_frame->callback_error = std::make_unique<py::error_already_set>();
    else
      PyErr_WriteUnraisable(nullptr);
  }
  return 1;
}

// ---------------------------------------------------------------- Database --

// One opora_db handle. Calls from several Python threads may overlap: each
// holds the shared lock while inside the library (which serialises calls on a
// handle itself); close() takes the exclusive lock, so it never frees the
// handle under a running call. Locks are only ever waited for without the GIL;
// the one lock held while the GIL is taken is progress_mutex_, which is never
// waited for with the GIL held.
class Database {
 public:
  Database(const std::string& path, const std::string& options_json) {
    const std::string p = checked_text(path, "path");
    const std::string o = checked_text(options_json, "options_json");
    opora_db* db = nullptr;
    Failure failure;
    {
      py::gil_scoped_release release;
      const int rc = opora_db_open(&db, p.c_str(), o.empty() ? nullptr : o.c_str());
      if (rc < 0) failure = capture_failure(rc);
    }
    if (failure.code < 0) raise_native(failure);
    db_ = db;
  }

  ~Database() {
    // No call can be running: a running call holds a reference to this object.
    if (db_ != nullptr) opora_db_close(db_);
  }

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  py::object call(const std::string& method, py::handle params) {
    const std::string name = checked_text(method, "method");
    refuse_reentry(name);
    std::string params_json;
    if (!params.is_none()) {
      if (!PyDict_Check(params.ptr()))
        throw py::type_error("params must be a dict or None, not " + type_name(params));
      params_json = Encoder("params").encode(params);
    }
    const char* params_text = params.is_none() ? nullptr : params_json.c_str();
    Failure failure;
    json::value result;
    CallFrame frame;
    frame.db = this;
    {
      const CallFrameScope scope(frame);
      py::gil_scoped_release release;
      const std::shared_lock<std::shared_mutex> lock(mutex_);  // released before the GIL returns
      if (db_ == nullptr) {
        failure = local_failure(OPORA_ESTATE, "OPORA_ESTATE", "the database is closed");
      } else {
        char* raw = nullptr;
        const int rc = opora_db_call(db_, name.c_str(), params_text, &raw);
        const std::unique_ptr<char, decltype(&opora_free)> text(raw, &opora_free);
        if (rc < 0) {
          failure = capture_failure(rc);
        } else {
          json::error_code ec;
          json::parse_options options;
          options.max_depth = kMaxResultDepth;
          result = json::parse(text ? text.get() : "", ec, json::storage_ptr(), options);
          if (ec || !result.is_object())
            failure =
                local_failure(OPORA_EINTERNAL, "OPORA_EINTERNAL",
                              name + ": the library returned a result that is not a JSON object");
        }
      }
    }
    // The callback's exception is the reason the work stopped: it wins over
    // the result (and over a failure that followed it).
    if (frame.callback_error) throw py::error_already_set(std::move(*frame.callback_error));
    if (failure.code < 0) raise_native(failure);
    return to_python(result);
  }

  // Installs `callback` (or removes it, with None) as the handle's progress
  // callback. Waits for a running call to finish: the library never changes
  // the callback under a call.
  void set_progress(py::handle callback) {
    refuse_reentry("set_progress");
    std::unique_ptr<ProgressHook> hook;
    if (!callback.is_none()) {
      if (PyCallable_Check(callback.ptr()) == 0)
        throw py::type_error("progress callback must be callable or None, not " +
                             type_name(callback));
      hook = std::make_unique<ProgressHook>(
          ProgressHook{py::reinterpret_borrow<py::object>(callback)});
    }
    Failure failure;
    {
      py::gil_scoped_release release;
      // Holds off another set_progress() between the library's switch and
      // ours, so the hook the library calls is always the one kept in hook_.
      const std::lock_guard<std::mutex> progress_lock(progress_mutex_);
      {
        const std::shared_lock<std::shared_mutex> lock(mutex_);
        if (db_ == nullptr) {
          failure = local_failure(OPORA_ESTATE, "OPORA_ESTATE", "the database is closed");
        } else {
          const int rc =
              opora_db_set_progress(db_, hook ? &progress_trampoline : nullptr, hook.get());
          if (rc < 0) failure = capture_failure(rc);
        }
      }
      if (failure.code == OPORA_OK) {
        // The swap touches no reference counts, but the garbage collector
        // reads hook_ under the GIL, so it is done with the GIL held.
        const py::gil_scoped_acquire gil;
        hook_.swap(hook);
      }
    }
    // `hook` now holds the callback replaced (or the one refused) and is
    // released here, with the GIL.
    if (failure.code < 0) raise_native(failure);
  }

  // Installs `callback` (or removes it, with None) as the handle's watch:
  // called with each workflow history record (a dict) once its call commits.
  void set_watch(py::handle callback) {
    refuse_reentry("set_watch");
    std::unique_ptr<WatchHook> hook;
    if (!callback.is_none()) {
      if (PyCallable_Check(callback.ptr()) == 0)
        throw py::type_error("watch callback must be callable or None, not " + type_name(callback));
      hook = std::make_unique<WatchHook>(WatchHook{py::reinterpret_borrow<py::object>(callback)});
    }
    Failure failure;
    {
      py::gil_scoped_release release;
      const std::lock_guard<std::mutex> progress_lock(progress_mutex_);
      {
        const std::shared_lock<std::shared_mutex> lock(mutex_);
        if (db_ == nullptr) {
          failure = local_failure(OPORA_ESTATE, "OPORA_ESTATE", "the database is closed");
        } else {
          const int rc = opora_db_set_watch(db_, hook ? &watch_trampoline : nullptr, hook.get());
          if (rc < 0) failure = capture_failure(rc);
        }
      }
      if (failure.code == OPORA_OK) {
        const py::gil_scoped_acquire gil;
        watch_.swap(hook);
      }
    }
    if (failure.code < 0) raise_native(failure);
  }

  py::object progress() const {
    if (!hook_) return py::none();
    return hook_->callback;
  }

  void close() {
    refuse_reentry("close");
    std::unique_ptr<ProgressHook> hook;
    {
      py::gil_scoped_release release;
      const std::unique_lock<std::shared_mutex> lock(mutex_);
      if (db_ != nullptr) {
        opora_db_close(db_);
        db_ = nullptr;
        closed_.store(true);
      }
    }
    hook.swap(hook_);  // with the GIL; nothing can call it any more
    watch_.reset();
  }

  bool closed() const { return closed_.load(); }

  // Garbage-collector support: a callback that refers back to the database
  // makes a cycle through this object.
  int traverse(visitproc visit, void* arg) const {
    if (hook_) Py_VISIT(hook_->callback.ptr());
    if (watch_) Py_VISIT(watch_->callback.ptr());
    return 0;
  }

  // Breaks such a cycle. Only unreachable objects are cleared, so no call can
  // be running or start; the library forgets the hook before it is freed.
  void clear() {
    if (watch_) {
      if (db_ != nullptr) opora_db_set_watch(db_, nullptr, nullptr);
      watch_.reset();
    }
    if (!hook_) return;
    if (db_ != nullptr) opora_db_set_progress(db_, nullptr, nullptr);
    hook_.reset();
  }

 private:
  void refuse_reentry(const std::string& what) const {
    if (inside_call_on(this))
      raise_native(local_failure(
          OPORA_ESTATE, "OPORA_ESTATE",
          what + ": not allowed from a progress callback of the same database; it runs inside "
                 "a call on it"));
  }

  std::shared_mutex mutex_;
  std::mutex progress_mutex_;
  opora_db* db_ = nullptr;
  std::atomic<bool> closed_{false};
  std::unique_ptr<ProgressHook> hook_;
  std::unique_ptr<WatchHook> watch_;
};

// The Database inside a Python object, or nullptr while there is none: the
// collector may visit an instance pybind11 has allocated but whose __init__
// has not constructed the C++ object yet (a collection triggered by an
// allocation inside __init__), or whose __init__ failed. Its storage is then
// raw memory, so the holder's state is asked before anything is cast.
Database* constructed_database(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  const py::detail::value_and_holder v_h = inst->get_value_and_holder();
  if (!v_h || !v_h.holder_constructed()) return nullptr;
  return v_h.value_ptr<Database>();
}

// Type slots that make Database visible to the garbage collector.
void setup_gc(PyHeapTypeObject* heap_type) {
  PyTypeObject* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) -> int {
    Py_VISIT(Py_TYPE(self));  // a heap type is owned by its instances
    const Database* db = constructed_database(self);
    return db != nullptr ? db->traverse(visit, arg) : 0;
  };
  type->tp_clear = [](PyObject* self) -> int {
    if (Database* db = constructed_database(self)) db->clear();
    return 0;
  };
}

}  // namespace

PYBIND11_MODULE(_opora, m) {
  m.doc() =
      "Native part of the opora package: a thin client of the opora C ABI. "
      "Use the `opora` package instead of this module.";

  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
  g_types.decimal = py::object(py::module_::import("decimal").attr("Decimal")).release().ptr();
  g_types.utc =
      py::object(py::module_::import("datetime").attr("timezone").attr("utc")).release().ptr();
  const py::module_ abc = py::module_::import("collections.abc");
  g_types.mapping = py::object(abc.attr("Mapping")).release().ptr();
  g_types.sequence = py::object(abc.attr("Sequence")).release().ptr();
  g_types.native_error = PyErr_NewExceptionWithDoc(
      "opora._opora.NativeError", "A failed opora call: args are (code, message, error_json).",
      PyExc_Exception, nullptr);
  if (g_types.native_error == nullptr) throw py::error_already_set();
  m.attr("NativeError") = py::handle(g_types.native_error);

  m.attr("__version__") = OPORA_VERSION_STRING;
  m.def(
      "library_version", [] { return std::string(opora_version()); },
      "Version of the libopora.so actually loaded, \"MAJOR.MINOR.PATCH\".");
  m.def(
      "strerror", [](int code) { return std::string(opora_strerror(code)); }, py::arg("code"),
      "Static English text for a status code.");
  m.def(
      "encode_json",
      [](py::handle obj, const std::string& root) { return Encoder(root).encode(obj); },
      py::arg("obj"), py::arg("root") = "value",
      "Serialises a Python value to JSON text the way call() does; `root` names it in errors.");

  py::class_<Database>(m, "Database", py::custom_type_setup(setup_gc),
                       "An open opora database handle (opora_db).")
      .def(py::init<const std::string&, const std::string&>(), py::arg("path"),
           py::arg("options_json") = "",
           "Opens (creating if needed) the database at `path`; options_json is a JSON object.")
      .def("call", &Database::call, py::arg("method"), py::arg("params") = py::none(),
           "Calls one method with a dict of params (or None) and returns the result dict. "
           "Raises NativeError(code, message, error_json) on failure.")
      .def("set_watch", &Database::set_watch, py::arg("callback"),
           "Sets (or removes, with None) the handle's watch callback (opora_db_set_watch): called "
           "with each workflow history record, a dict, once the call that wrote it commits.")
      .def("set_progress", &Database::set_progress, py::arg("callback"),
           "Sets callback(method: str, done: int, total: int), or removes it with None, as the "
           "handle's progress callback (opora_db_set_progress). Returning False stops the work "
           "after the chunk; an exception stops it too and is raised from the call. Waits for a "
           "running call to finish.")
      .def_property_readonly("progress", &Database::progress, "The progress callback set, or None.")
      .def("close", &Database::close, "Closes the handle; closing twice is allowed.")
      .def_property_readonly("closed", &Database::closed, "True once close() has run.");
}
