"""Finding libthrottlelab.so and declaring its C interface (engine/c_api/throttlelab.h) to ctypes.

Everything the rest of the package knows about C lives here: the constants, the versioned
structs, and a prototype (argtypes and restype) for every function, so that ctypes converts
arguments exactly as the header says instead of guessing (an undeclared function would get
`int` for every pointer, which truncates pointers on 64-bit machines).

Nothing is compiled: this is plain ctypes, so any Python 3.7+ can use the package.
"""

import ctypes
import ctypes.util
import os

# ---- Constants, as in throttlelab.h ----

TL_API_VERSION = 3

TL_GRANTED = 1
TL_TIMED_OUT = 0
TL_KILLED = -1
TL_GONE = -2

TL_OK = 0
TL_ERR_BAD_INPUT = -3
TL_ERR_NOT_FOUND = -4
TL_ERR_IN_USE = -5
TL_ERR_STATE = -6
TL_ERR_SYSTEM = -7
TL_ERR_VERSION = -8

TL_HARDCAP_LIMIT = 0
TL_HARDCAP_ONE = 1
TL_HARDCAP_NONE = 2
TL_HARDCAP_WINDOW = 3

TL_MODE_EXACT = 0
TL_MODE_CLASSIC = 1

TL_SET_MAX_N = 0x01
TL_SET_PER = 0x02
TL_SET_HARDCAP = 0x04
TL_SET_MODE = 0x08
TL_SET_CORRECTION = 0x10
TL_SET_RF_RATE = 0x20
TL_SET_AUTO_EMIT = 0x40

TL_BACKEND_LOSS_DEFAULT = -1
TL_BACKEND_LOSS_CLOSED = 0
TL_BACKEND_LOSS_OPEN = 1
TL_BACKEND_LOSS_LOCAL = 2

TL_BACKEND_NONE = 0
TL_BACKEND_CONNECTING = 1
TL_BACKEND_CONNECTED = 2
TL_BACKEND_LOST = 3


# ---- Structs, field for field as in throttlelab.h (ctypes aligns them as the C compiler does) ----

class TlConfig(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("max_n", ctypes.c_longlong),
        ("per", ctypes.c_double),
        ("hardcap", ctypes.c_int),
        ("mode", ctypes.c_int),
        ("correction", ctypes.c_double),
        ("rf_rate", ctypes.c_double),
        ("auto_emit", ctypes.c_int),
    ]


class TlOptions(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("name", ctypes.c_char_p),
        ("max_n", ctypes.c_longlong),
        ("per", ctypes.c_double),
        ("hardcap", ctypes.c_int),
        ("mode", ctypes.c_int),
        ("correction", ctypes.c_double),
        ("correction_given", ctypes.c_int),
        ("rf_rate", ctypes.c_double),
        ("as_throttle", ctypes.c_int),
        ("as_monitor", ctypes.c_int),
        ("auto_emit", ctypes.c_int),
        ("auto_calibrate", ctypes.c_int),
        ("helper_path", ctypes.c_char_p),
        ("log_path", ctypes.c_char_p),
        ("backend_url", ctypes.c_char_p),  # since version 3
        ("on_backend_loss", ctypes.c_int),
    ]


class TlSummary(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("runtime_s", ctypes.c_double),
        ("total", ctypes.c_ulonglong),
        ("mean_interval_s", ctypes.c_double),
        ("mean_rate", ctypes.c_double),
    ]


class TlRatePair(ctypes.Structure):
    _fields_ = [
        ("seconds_per_permit", ctypes.c_double),
        ("permits_per_second", ctypes.c_double),
    ]


class TlStats(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("latest", TlRatePair),
        ("mean", TlRatePair),
        ("hi_lo", TlRatePair),
        ("lo_hi", TlRatePair),
        ("total", ctypes.c_ulonglong),
        ("runtime_s", ctypes.c_double),
        ("max_in_window", ctypes.c_longlong),
        ("target_rate", ctypes.c_double),
        ("latest_count", ctypes.c_ulonglong),
        ("gap_p50_s", ctypes.c_double),
        ("gap_p90_s", ctypes.c_double),
        ("gap_p99_s", ctypes.c_double),
        ("overflow", ctypes.c_ulonglong),
        ("running", ctypes.c_int),
        ("killed", ctypes.c_int),
        ("workers", ctypes.c_int),
    ]


class TlBackend(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("state", ctypes.c_int),
        ("policy", ctypes.c_int),
        ("machines", ctypes.c_int),
        ("outages", ctypes.c_int),
        ("state_for_s", ctypes.c_double),
        ("calls", ctypes.c_ulonglong),
        ("leased", ctypes.c_ulonglong),
        ("returned", ctypes.c_ulonglong),
        ("budget_taken", ctypes.c_ulonglong),
        ("budget_rate", ctypes.c_double),
        ("url", ctypes.c_char * 256),
        ("feed", ctypes.c_char * 64),
        ("error", ctypes.c_char * 256),
    ]


class TlCalibration(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint),
        ("target_rate", ctypes.c_double),
        ("uncorrected_rate", ctypes.c_double),
        ("reference_correction", ctypes.c_double),
        ("correction", ctypes.c_double),
        ("corrected_rate", ctypes.c_double),
    ]


_void_p = ctypes.c_void_p
_c_char_p = ctypes.c_char_p
_c_int = ctypes.c_int
_c_uint = ctypes.c_uint
_c_double = ctypes.c_double

# name: (restype, argtypes). Opaque objects (tl_throttle*, tl_handle*) travel as void*.
_PROTOTYPES = {
    "tl_api_version": (_c_int, []),
    "tl_version": (_c_char_p, []),
    "tl_last_error": (_c_char_p, []),
    "tl_last_status": (_c_int, []),
    "tl_options_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_config_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_summary_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_stats_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_calibration_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_backend_init_size": (None, [_void_p, ctypes.c_uint]),
    "tl_create": (_void_p, [ctypes.POINTER(TlOptions)]),
    "tl_start": (_c_int, [_void_p]),
    "tl_stop": (_c_int, [_void_p, ctypes.POINTER(TlSummary)]),
    "tl_restart": (_c_int, [_void_p, _c_int]),
    "tl_calibrate": (_c_int, [_void_p, _c_double, ctypes.POINTER(TlCalibration)]),
    "tl_destroy": (None, [_void_p]),
    "tl_throttle_handle": (_void_p, [_void_p]),
    "tl_throttle_name": (_c_char_p, [_void_p]),
    "tl_throttle_running": (_c_int, [_void_p]),
    "tl_attach": (_void_p, [_c_char_p, _c_char_p, ctypes.c_ulong]),
    "tl_detach": (None, [_void_p]),
    "tl_has_fuel": (_c_int, [_void_p]),
    "tl_await_fuel": (_c_int, [_void_p, _c_double]),
    "tl_emit": (_c_int, [_void_p]),
    "tl_emit_at": (_c_int, [_void_p, _c_double]),
    "tl_get_config": (_c_int, [_void_p, ctypes.POINTER(TlConfig)]),
    "tl_set_config": (_c_int, [_void_p, ctypes.POINTER(TlConfig), _c_uint,
                               ctypes.POINTER(TlConfig)]),
    "tl_get_stats": (_c_int, [_void_p, ctypes.POINTER(TlStats)]),
    "tl_get_backend": (_c_int, [_void_p, ctypes.POINTER(TlBackend)]),
    "tl_kill_flag_set": (_c_int, [_void_p]),
    "tl_kill_flag_clear": (_c_int, [_void_p]),
    "tl_kill_flag_is_set": (_c_int, [_void_p]),
    "tl_kill_flag_wait": (_c_int, [_void_p, _c_double]),
    "tl_latest_rate": (_c_double, [_void_p]),
    "tl_total": (ctypes.c_ulonglong, [_void_p]),
}


class LibraryNotFoundError(ImportError):
    """libthrottlelab.so could not be loaded (or is too old). An ImportError, since `import
    throttlelab` is where it is raised; its message lists every place tried and why each
    failed. (It cannot also be an OSError: CPython forbids that pair of bases.)"""


def _candidates():
    """Where to look, in order, as (description, path-or-soname) pairs."""
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    # An installed package may ship the library in its own folder.
    for soname in ("libthrottlelab.so.0", "libthrottlelab.so"):
        found.append(("beside the package", os.path.join(here, soname)))
    # Installed by CMake: the library of the same install, wherever its prefix now is.
    try:
        from ._install_layout import LIBRARY_FROM_PACKAGE
    except ImportError:
        pass
    else:
        found.append(("the package's install prefix",
                      os.path.normpath(os.path.join(here, LIBRARY_FROM_PACKAGE))))
    # Run from a source tree: python/throttlelab/ -> <repo>/build/lib/.
    found.append(("the source tree's build",
                  os.path.normpath(os.path.join(here, "..", "..", "build", "lib",
                                                "libthrottlelab.so"))))
    # Installed on the system (the Debian package, /usr/local, LD_LIBRARY_PATH).
    system = ctypes.util.find_library("throttlelab")
    if system:
        found.append(("the system (find_library)", system))
    found.append(("the system (dynamic loader)", "libthrottlelab.so.0"))
    return found


def _load():
    """Loads the library; raises LibraryNotFoundError saying every place tried and why."""
    explicit = os.environ.get("THROTTLELAB_LIBRARY")
    if explicit:
        # A path given on purpose is used or refused: falling back to another copy would
        # hide the mistake and run a library the user did not choose.
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as e:
            raise LibraryNotFoundError(
                "throttlelab: cannot load THROTTLELAB_LIBRARY=%s: %s" % (explicit, e)) from None
    tried = []
    for where, path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s: %s (no such file)" % (where, path))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s: %s (%s)" % (where, path, e))
    raise LibraryNotFoundError(
        "throttlelab: cannot find libthrottlelab.so. Set THROTTLELAB_LIBRARY to its path, "
        "or build the project (it lands in build/lib/). Tried:\n  " + "\n  ".join(tried))


def _declare(lib, path):
    missing = []
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        function.restype = restype
        function.argtypes = argtypes
    if missing:
        raise LibraryNotFoundError(
            "throttlelab: %s lacks %s: it is older than this package (C interface version %d "
            "needed)" % (path, ", ".join(missing), TL_API_VERSION))
    if lib.tl_api_version() < TL_API_VERSION:
        raise LibraryNotFoundError(
            "throttlelab: %s has C interface version %d, this package needs %d or later"
            % (path, lib.tl_api_version(), TL_API_VERSION))


lib, path = _load()
_declare(lib, path)


# ---- Small helpers over the raw functions ----

def last_error():
    """The calling thread's last failure: (status, message)."""
    message = lib.tl_last_error()
    return lib.tl_last_status(), (message or b"").decode("utf-8", "replace")


def initialized(struct_type, init_function):
    """A struct of `struct_type` holding the library's defaults. The library writes only our
    struct's size (tl_*_init_size), so a newer library with larger structs cannot overflow it."""
    value = struct_type()
    init_function(ctypes.byref(value), ctypes.sizeof(struct_type))
    value.size = ctypes.sizeof(struct_type)
    return value


def empty(struct_type):
    """A zeroed output struct with our size set, for the library to fill (it writes only
    `size` bytes, so nothing here can overflow)."""
    value = struct_type()
    value.size = ctypes.sizeof(struct_type)
    return value


def version():
    return lib.tl_version().decode("ascii", "replace")
