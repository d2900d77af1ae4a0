"""meta.methods read from a built libopora.so through the C ABI (ctypes), as any
host would; shared by the generators in scripts/ (API docs, Python modules)."""
import ctypes
import json
import sys


def load_methods(lib_path):
    """The method catalogue of the library at ``lib_path`` (meta.methods' "methods")."""
    return _meta(lib_path, b"meta.methods")["methods"]


def load_events(lib_path):
    """The domain events the library's modules publish (meta.events' "events")."""
    return _meta(lib_path, b"meta.events")["events"]


def _meta(lib_path, method):
    lib = ctypes.CDLL(lib_path)
    lib.opora_db_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_char_p]
    lib.opora_db_call.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                  ctypes.POINTER(ctypes.c_void_p)]
    lib.opora_db_close.argtypes = [ctypes.c_void_p]
    lib.opora_free.argtypes = [ctypes.c_void_p]
    lib.opora_last_error_message.restype = ctypes.c_char_p
    db = ctypes.c_void_p()
    if lib.opora_db_open(ctypes.byref(db), b":memory:", None) != 0:
        sys.exit("open failed: " + lib.opora_last_error_message().decode())
    out = ctypes.c_void_p()
    if lib.opora_db_call(db, method, b"{}", ctypes.byref(out)) != 0:
        sys.exit(method.decode() + " failed: " + lib.opora_last_error_message().decode())
    text = ctypes.string_at(out.value).decode("utf-8")
    lib.opora_free(out)
    lib.opora_db_close(db)
    return json.loads(text)
