"""Throttle.kill_flag: the part of multiprocessing.Event that mp_throttle's workers use.

`while not tank.kill_flag.is_set(): tank.await_fuel()` works unchanged. The flag lives in the
throttle's shared segment, so it is the same flag in every process attached by name, Python or
not (throttlectl stop sets it too).

What it reads when there is no run to speak of:
- before the throttle exists (a worker started before start()): not set; wait() waits for it.
- after the owner died (a wait saw TL_GONE): set. The run cannot go on, and a worker's
  `while not is_set()` loop must end rather than spin on a throttle that will never grant.
"""

from . import _library as _c
from ._errors import ThrottleError, check
from ._waiting import deadline_of, wait_in_slices


class KillFlag:
    """Set it to stop the run: every waiter returns at once, the helpers end and the owner
    stops. Clearing it restarts nothing (the owner's start() does, and clears it itself)."""

    def __init__(self, throttle):
        self._throttle = throttle

    def _link(self):
        return self._throttle._current_link()

    def is_set(self):
        link = self._link()
        if link.gone:
            return True
        handle = link.handle()
        if handle is None:
            return False
        return _c.lib.tl_kill_flag_is_set(handle) == 1

    def set(self):
        link = self._link()
        handle = link.handle()
        if handle is None:
            if link.owner is not None:
                return  # not started: there is nothing to stop, and start() clears it anyway
            raise ThrottleError("kill_flag.set(): no throttle named '%s' is running"
                                % link.name, _c.TL_ERR_NOT_FOUND)
        check(_c.lib.tl_kill_flag_set(handle), "kill_flag.set() on throttle '%s'" % link.name)

    def clear(self):
        link = self._link()
        handle = link.handle()
        if handle is None:
            return  # no throttle yet: its flag is clear by definition
        check(_c.lib.tl_kill_flag_clear(handle), "kill_flag.clear() on throttle '%s'" % link.name)

    def wait(self, timeout=None):
        """True once the flag is set (at once if it is), False after `timeout` seconds (None:
        no deadline). Also True when the owner died first: the run is over."""
        if timeout is not None and timeout < 0:
            timeout = 0  # as threading.Event.wait does
        link = self._link()
        if link.gone:
            return True

        def wait_once(handle, seconds):
            result = _c.lib.tl_kill_flag_wait(handle, seconds)
            if result == 1:
                return True
            if result == _c.TL_GONE:
                link.gone = True
                return True
            if result < 0:
                check(result, "kill_flag.wait() on throttle '%s'" % link.name)
            return None  # this slice passed without the flag

        return bool(wait_in_slices(link.handle, deadline_of(timeout), wait_once))

    def __repr__(self):
        try:
            state = "set" if self.is_set() else "clear"
        except Exception as e:  # a closed throttle, for one
            state = "unknown: %s" % e
        return "<throttlelab kill_flag of %r: %s>" % (self._throttle.name, state)
