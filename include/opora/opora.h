/*
 * opora.h — the stable C ABI of opora.
 *
 * This header is the contract and its documentation. Anything not declared
 * here is not public and may change. The ABI only grows: a function is never
 * removed or changed in meaning; a changed behaviour gets a new name (_v2).
 *
 * Shape of the API
 *   A handful of typed lifecycle functions (open, close, free, version,
 *   errors) plus one generic entry, opora_db_call(), which takes a method
 *   name ("calendar.add_working_days", "requisites.validate", ...) and a UTF-8
 *   JSON object of parameters, and returns a UTF-8 JSON object. The method
 *   catalogue with parameter schemas is itself a method: "meta.methods".
 *
 * Conventions
 *   - Every function that can fail returns int: OPORA_OK (0) or a negative
 *     OPORA_E* code. Codes are never renumbered.
 *   - Out-parameters come first.
 *   - Strings are UTF-8 and NUL-terminated. Strings opora returns for the
 *     caller to own are `char *` and must be released with opora_free().
 *     Borrowed strings are `const char *` and each states its lifetime.
 *   - opora never keeps a pointer the caller passed in.
 *   - Money and integers beyond 2^53 travel as JSON strings ("1234.56");
 *     params also take an amount as a JSON number (see opora_db_call).
 *     Dates are "YYYY-MM-DD".
 *   - Error details are thread-local: after a failed call on a thread,
 *     opora_last_error_message() and opora_last_error_json() describe it.
 *     A successful call clears them.
 *
 * Threading
 *   Any function may be called from any thread. Calls on one opora_db are
 *   serialised by the handle's own mutex. Separate handles (in threads or
 *   processes) work in parallel on the same database file.
 *
 * The header compiles as C99 and as C++17.
 */
#ifndef OPORA_H
#define OPORA_H

#ifndef OPORA_FFI
#include "opora/opora_version.h"
#endif

#if defined(OPORA_FFI)
#define OPORA_API
#elif defined(_WIN32)
#if defined(OPORA_BUILDING)
#define OPORA_API __declspec(dllexport)
#else
#define OPORA_API __declspec(dllimport)
#endif
#else
#define OPORA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- codes -- */

/*
 * Status codes. Negative means failure. The list is fixed: new codes are only
 * appended, and a code's meaning never changes.
 */
enum opora_status {
  OPORA_OK = 0,
  OPORA_ERROR = -1,       /* generic failure */
  OPORA_EINVAL = -2,      /* a malformed request: a NULL pointer, or params
                             that break the method's schema (see "Which
                             code" below) */
  OPORA_EJSON = -3,       /* params_json or options_json is not valid UTF-8
                             JSON text, not a JSON object, or nested deeper
                             than 64 levels */
  OPORA_ENOTFOUND = -4,   /* the thing named does not exist (including a
                             calendar year with no data) */
  OPORA_ECONFLICT = -5,   /* already exists, or conflicts with stored state */
  OPORA_EVALIDATION = -6, /* a well-formed request that breaks a business
                             rule (see "Which code" below); every field
                             error is listed in opora_last_error_json() */
  OPORA_EBUSY = -7,       /* the database is locked by another connection
                             beyond the busy timeout */
  OPORA_EIO = -8,         /* file or database I/O failed */
  OPORA_ECORRUPT = -9,    /* the file is damaged or is not an opora database */
  OPORA_EINTERNAL = -10,  /* a bug in opora; please report it */
  OPORA_ENOMEM = -11,     /* out of memory */
  OPORA_ENOMETHOD = -12,  /* opora_db_call: unknown method name */
  OPORA_ESTATE = -13,     /* not allowed in the current state (for example
                             clock.set on a handle using the system clock) */
  OPORA_EOVERFLOW = -14   /* an amount or count is out of the representable
                             range */
};

/*
 * Which code: OPORA_EINVAL or OPORA_EVALIDATION
 *
 *   OPORA_EINVAL: the request is malformed. A value the caller sent is of
 *   the wrong JSON type, is not a member the method takes (rule
 *   "unknown_field", at any depth: "items[0].qty"; the message suggests the
 *   member meant, "did you mean \"quantity\"?"), is outside its format,
 *   enumeration, length or range, or a member the schema requires is
 *   missing: everything the method's parameter schema in "meta.methods"
 *   states, checked before the method runs, plus the decimal places an
 *   amount's currency allows. The schema's checks carry these rules:
 *   required, unknown_field, alias_conflict, type, enum, length, range,
 *   date, date-time, money, money_scale, decimal, quantity, vat_rate,
 *   percent, currency, inexact_number, period (a month, YYYY-MM). A method's
 *   own check of one value's form may name a rule of its own (positive: an
 *   amount above zero; one_of: exactly one of two members; base64; cursor:
 *   a pagination cursor it did not issue), always with OPORA_EINVAL. The
 *   same mistake has this code in every method (a malformed date is
 *   OPORA_EINVAL in calendar.* and registry.put alike).
 *
 *   OPORA_EVALIDATION: the request is well-formed, but what it says breaks a
 *   business rule: a checksum (an INN), fields that disagree with each other
 *   or with stored data (totals and their items, valid_to before
 *   valid_from, a member the document's kind requires, a status the kind
 *   does not have), a workflow definition's own rules. Its field errors
 *   carry other rule names (inn_checksum, totals_mismatch, ...).
 *
 *   A malformed request is refused before the method looks at its content,
 *   with every form problem listed; a well-formed one with every business
 *   problem listed. When a method finds a form problem in a value the caller
 *   sent while checking business rules (too many decimal places for the
 *   currency), the call is OPORA_EINVAL and still lists every problem.
 *
 *   An error lists each distinct problem once, and at most 100 problems (the
 *   same problem at more than 10 entries of one array is listed for the
 *   first 10); the message says how many more there were.
 */

/* --------------------------------------------------------------- version -- */

/*
 * Returns the library version as text, "MAJOR.MINOR.PATCH".
 * Lifetime: static; never NULL. Thread safety: any thread.
 */
OPORA_API const char* opora_version(void);

/*
 * Returns MAJOR*1000000 + MINOR*1000 + PATCH of the library actually loaded,
 * to compare with the compile-time OPORA_VERSION_NUMBER.
 * Thread safety: any thread.
 */
OPORA_API int opora_version_number(void);

/* ---------------------------------------------------------------- errors -- */

/*
 * Returns static English text for a status code (for example "not found").
 * Unknown codes give "unknown error code".
 * Lifetime: static; never NULL. Thread safety: any thread.
 */
OPORA_API const char* opora_strerror(int code);

/*
 * Returns the message of the last failed opora call on this thread, naming
 * the field and the rule where there is one, or "" when the last call
 * succeeded.
 * Lifetime: valid until the next opora call on the same thread; never NULL.
 * Thread safety: thread-local.
 */
OPORA_API const char* opora_last_error_message(void);

/*
 * Returns the last error on this thread as a JSON object:
 *   {"code": -6, "name": "OPORA_EVALIDATION", "message": "...",
 *    "errors": [{"field": "inn", "rule": "inn_checksum", "message": "..."}]}
 * "errors" lists every field error at once (possibly empty). After a
 * successful call the object is {"code": 0, "name": "OPORA_OK",
 * "message": "", "errors": []}.
 * Lifetime: valid until the next opora call on the same thread; never NULL.
 * Thread safety: thread-local.
 */
OPORA_API const char* opora_last_error_json(void);

/* ---------------------------------------------------------------- memory -- */

/*
 * Releases a string that opora returned for the caller to own (the result of
 * opora_db_call). Accepts NULL. Never free such a string with any other
 * allocator. Thread safety: any thread.
 */
OPORA_API void opora_free(void* ptr);

/* -------------------------------------------------------------- database -- */

/* An open opora database. Opaque. */
typedef struct opora_db opora_db;

/*
 * Opens (creating if needed) the database at `path` and brings its schema up
 * to date. `path` is a file path in UTF-8, ":memory:", or "" for a private
 * temporary database (SQLite), or a PostgreSQL URI
 * "postgresql://user:password@host:port/dbname?sslmode=require" (libpq's
 * form, "postgres://" too; host=/path for a Unix socket). A new or empty file
 * or schema becomes an opora database; an SQLite file or a PostgreSQL schema
 * of another application is refused with OPORA_ECORRUPT and left untouched.
 * A server that cannot be reached fails with OPORA_EIO; a build without the
 * PostgreSQL engine refuses a URI with OPORA_EINVAL.
 *
 * options_json is NULL, "" or a JSON object with any of:
 *   "synchronous":     "full" (default: every commit survives power loss) or
 *                      "normal" (WAL: faster; a power cut may lose the last
 *                      commits, never corrupts)
 *   "busy_timeout_ms": integer 0..600000, default 5000: how long to wait for
 *                      another connection's lock before OPORA_EBUSY
 *   "schema":          PostgreSQL only: the schema holding this opora
 *                      database (lower-case letters, digits and _, created if
 *                      absent), so one server database holds several; default:
 *                      the server's search_path (normally "public")
 *   "clock":           "system" (default) or "manual" (time moves only by
 *                      clock.set; for tests and simulations)
 *   "now":             with a manual clock, the starting instant,
 *                      "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD" (midnight UTC);
 *                      default 1970-01-01T00:00:00Z
 *   "utc_offset":      "+03:00" style offset used for "today", default
 *                      "+00:00"
 *   "read_only":       true to open an existing database without writing;
 *                      SQLite's WAL still needs to create the "-shm" file
 *                      beside it, so the folder must be writable
 *   "max_file_bytes":  largest file registry.file.attach accepts, default
 *                      67108864 (64 MiB), at most 1073741824
 *   "id_seed":         integer >= 0: the ids opora makes up (a UPD file's
 *                      GUID, an SBIS document id) come from a sequence seeded
 *                      with it instead of the system's randomness; for tests
 *                      and simulations only, since two databases opened with
 *                      one seed name their files alike
 *
 * On success *out receives the handle and OPORA_OK is returned. On failure
 * *out is set to NULL, nothing needs closing, and the error is in
 * opora_last_error_*(). Options are read as a method's params are (see
 * opora_db_call): an unknown option is refused with OPORA_EINVAL, rule
 * "unknown_field", and null means the default.
 *
 * Ownership: close the handle with opora_db_close().
 * Thread safety: any thread.
 */
OPORA_API int opora_db_open(opora_db** out, const char* path, const char* options_json);

/*
 * Closes the handle and releases everything it holds. Accepts NULL. An
 * unfinished transaction is rolled back. The handle must not be used after
 * this, and no other thread may be inside a call on it.
 * Thread safety: any thread, once all calls on the handle have returned.
 */
OPORA_API void opora_db_close(opora_db* db);

/*
 * Calls one method of the method table.
 *
 *   method       "module.verb", for example "calendar.add_working_days";
 *                "meta.methods" lists them all with their parameter schemas.
 *   params_json  a JSON object as UTF-8 text; NULL or "" mean {}.
 *   *result_out  on success, a JSON object as UTF-8 text that the caller owns
 *                and releases with opora_free(); on failure, NULL.
 *
 * A mutating method is one transaction: it happens whole or not at all.
 *
 * Params are read strictly, and forgivingly where hosts write differently:
 *   - An unknown member, at any depth, is refused with OPORA_EINVAL, rule
 *     "unknown_field" (a misspelt "dat" must never make a call use its
 *     default date). Objects that take any member (a document's "custom",
 *     an event's "data") say "additionalProperties" in meta.methods.
 *   - null for an optional member means absent (PHP, 1C and JavaScript send
 *     null for unset fields); where null means something (registry.put:
 *     clear the field) the schema's type includes "null".
 *   - A JSON number is accepted where an amount, quantity, rate or percent
 *     string is expected: an integer as written (1500), a number with a
 *     fraction as its shortest round-trip decimal text (499.99); one whose
 *     text needs more than 15 significant digits is not an exact decimal and
 *     is refused, rule "inexact_number" (0.1 + 0.2 computed in floating
 *     point arrives as 0.30000000000000004). A whole number written with a
 *     fraction (5.0) is accepted where an integer is expected.
 *   - A date may be given as "YYYY-MM-DDT00:00:00" (1C's ЗаписатьJSON of a
 *     Дата), optionally with fractional zeros and a zone; any other time of
 *     day is refused for a date, rule "date".
 *   - An empty JSON array stands for an empty object where only an object
 *     fits (PHP's json_encode writes [] for an empty map).
 *   - A member marked "deprecated" in meta.methods is the old name of
 *     another ("x-alias-of"); giving both is refused, rule "alias_conflict".
 *   - Lengths (minLength, maxLength) count characters, not bytes.
 * See "Which code" above for OPORA_EINVAL versus OPORA_EVALIDATION.
 *
 * Returns OPORA_OK or a negative code; details in opora_last_error_*().
 * Thread safety: any thread; calls on one handle are serialised.
 */
OPORA_API int opora_db_call(opora_db* db, const char* method, const char* params_json,
                            char** result_out);

/*
 * Receives progress of long work on a handle (billing.run): called after
 * each committed chunk with the method name, the units done and the total
 * (accounts, for billing.run), on the thread inside opora_db_call(). Return
 * 0 to go on; any other value stops the work after that chunk: what is done
 * stays committed, the call returns OPORA_OK with "complete": false, and the
 * next call of the same method resumes where it stopped.
 * The callback must not call back into the same handle.
 */
typedef int (*opora_progress_fn)(void* user_data, const char* method, long long done,
                                 long long total);

/*
 * Sets (or, with fn NULL, removes) the progress callback of `db`. user_data
 * is passed back unchanged; opora does not own it.
 *
 * Returns OPORA_OK, or OPORA_EINVAL when db is NULL.
 * Thread safety: any thread; serialised with calls on the handle, so it
 * never changes during a call.
 */
OPORA_API int opora_db_set_progress(opora_db* db, opora_progress_fn fn, void* user_data);

/*
 * Receives the workflow history live: each record (an event, a transition,
 * an action, a timer, a task change, an effect; the same JSON objects
 * workflow.history returns, with "instance", "seq", "id" and "at") as UTF-8
 * JSON text, after the call that wrote it has committed, in order, on the
 * thread inside opora_db_call(). A call that fails shows nothing. The text
 * is valid only during the callback. The callback must not call back into
 * the same handle.
 */
typedef void (*opora_watch_fn)(void* user_data, const char* record_json);

/*
 * Sets (or, with fn NULL, removes) the watch callback of `db`. user_data is
 * passed back unchanged; opora does not own it.
 *
 * Returns OPORA_OK, or OPORA_EINVAL when db is NULL.
 * Thread safety: any thread; serialised with calls on the handle.
 */
OPORA_API int opora_db_set_watch(opora_db* db, opora_watch_fn fn, void* user_data);

#ifdef __cplusplus
}
#endif

#endif /* OPORA_H */
