"""throttlelab: mp_throttle's API over ThrottleLab, a multi-process rate limiter.

A program written for mp_throttle switches by its import line alone::

    import throttlelab as mp_throttle

    def work(tank):
        while not tank.kill_flag.is_set():
            tank.await_fuel()        # blocks until a permit ("fuel") is granted
            ...                      # one unit of work

    throttle = mp_throttle.Throttle(4, 1)      # 4 permits per 1 second
    pool = multiprocessing.Pool(4, initializer=work, initargs=(throttle,))
    throttle.start()
    time.sleep(5)
    runtime, total, seconds_per_permit, permits_per_second = throttle.stop()

The throttle and monitor run as processes of ThrottleLab's C++ engine (libthrottlelab.so,
found through THROTTLELAB_LIBRARY, beside this package, in the install it came with, the
source tree's build/lib, then the system); this package is pure Python over its C interface (ctypes), so any Python 3.7+ works.
Python workers appear in `throttlectl inspect` and in the app's worker table like any other.
"""

from ._library import LibraryNotFoundError, version as _library_version
from ._errors import ThrottleError
from ._kill_flag import KillFlag
from ._throttle import Throttle, attach
from ._values import Backend, Calibration, Config, RatePair, Stats, Summary

HARDCAPS = ("limit", "one", "none", "window")
MODES = ("exact", "classic")
BACKEND_LOSS_POLICIES = ("closed", "open", "local")

__version__ = _library_version()

__all__ = [
    "Throttle", "attach", "ThrottleError", "LibraryNotFoundError", "KillFlag",
    "RatePair", "Summary", "Stats", "Config", "Calibration", "Backend", "HARDCAPS", "MODES",
    "BACKEND_LOSS_POLICIES", "__version__",
]
