"""Throttle: mp_throttle's class, over ThrottleLab's C interface.

An object is either the throttle's *owner* (it was constructed in this process: it runs the
throttle and monitor helper processes through the library) or a *worker* (a forked child's
copy, an unpickled copy in a spawn child, or throttlelab.attach(name)): it joins the throttle
by name, lazily, and takes fuel, emits, reads statistics, changes settings and sets the kill
flag like the owner. Only the owner can start, stop for good, restart and calibrate.
"""

import atexit
import copy
import ctypes
import itertools
import os
import time
import weakref

from . import _library as _c
from . import _options, _values
from ._errors import ThrottleError, check, raise_last_error
from ._kill_flag import KillFlag
from ._link import Link
from ._waiting import deadline_of, wait_in_slices

# Every Throttle object alive in this process, for the fork hook and the exit hook.
_objects = weakref.WeakSet()
_default_names = itertools.count(1)


def _default_name():
    # Unique per program run: two Python programs (or two throttles of one) never collide.
    return "py-%d-%d" % (os.getpid(), next(_default_names))


class Throttle:
    """A named throttle: at most `max_n` permits ("fuel") per `per` seconds across every
    process that uses it.

    Keyword options, as in mp_throttle: as_monitor, as_throttle, auto_emit (default:
    as_throttle), auto_calibrate (default: classic mode at >= 49/s without a chosen
    _correction), _correction, hardcap ('limit', 'one', 'none', 'window'), rf_rate (monitor
    refresh period, s). ThrottleLab's own: mode ('exact', deadline based, needs no
    calibration; or 'classic', the reference's sleep loop), name (what workers attach by; a
    unique one by default), log_path (a CSV the monitor appends a row per permit to),
    backend (one budget shared with the throttles of other machines on the same key:
    'redis://HOST[:PORT][/DB]?key=NAME' or 'redis+unix:///PATH?key=NAME'; exact mode) and
    on_backend_loss ('closed', 'open' or 'local': what it does while the backend is slow or
    gone; default 'closed' with hardcap='window', else 'local'). See backend().

    Anything unknown or out of range raises ValueError naming the option. Nothing runs until
    start().
    """

    def __init__(self, max_n=0, per=1, **kwargs):
        options = _options.OwnerOptions(max_n, per, kwargs)
        if options.name is None:
            options.name = _default_name()
        owner = _create(options)
        self._options = options
        self._link = Link(options.name, owner=owner)
        self.kill_flag = KillFlag(self)
        self.calibration = None  # what the last _calibrate() measured
        _objects.add(self)

    @classmethod
    def _worker(cls, name):
        """A worker object for the throttle `name`; attaches when first used."""
        self = cls.__new__(cls)
        self._options = None
        self._link = Link(name)
        self.kill_flag = KillFlag(self)
        self.calibration = None
        _objects.add(self)
        return self

    # ---- Who this object is in this process ----

    def _current_link(self):
        """This process's link: a fresh worker link when this object was inherited through a
        fork that Python's fork hooks did not see."""
        link = self._link
        if link.pid != os.getpid():
            link = self._link = link.forked()
        return link

    def _after_fork_in_child(self):
        self._link = self._link.forked()

    @property
    def name(self):
        """The throttle's name: what workers, throttlectl and the app find it by."""
        return self._link.name

    @property
    def is_owner(self):
        """True in the process that constructed this throttle (it runs the helpers)."""
        return self._current_link().owner is not None

    def _owner_link(self, method):
        link = self._current_link()
        link.check_open()
        if link.owner is None:
            raise ThrottleError(
                "%s() is the owner's: throttle '%s' was made in another process (this one is "
                "a worker of it)" % (method, link.name), _c.TL_ERR_STATE)
        return link

    def _handle_or_raise(self, doing):
        link = self._current_link()
        handle = link.handle()
        if handle is None:
            if link.owner is not None:
                raise ThrottleError("%s: throttle '%s' has not been started yet"
                                    % (doing, link.name), _c.TL_ERR_STATE)
            raise ThrottleError("%s: no throttle named '%s' is running" % (doing, link.name),
                                _c.TL_ERR_NOT_FOUND)
        return handle

    # ---- The owner's run ----

    def start(self):
        """Starts the throttle and monitor processes; returns once they are ready and the
        first permit can be taken. Clears the kill flag. Does nothing if already running."""
        link = self._owner_link("start")
        with link.lock:
            check(_c.lib.tl_start(link.owner), "start of throttle '%s'" % link.name)

    def stop(self):
        """Sets the kill flag (every waiter returns at once), ends the helpers and returns
        mp_throttle's tuple (runtime, total, mean_seconds_per_permit, mean_permits_per_second).
        Idempotent: before start() it reports zeros, a second stop() the same figures.

        From a worker it asks the owner to stop (as `throttlectl stop` does) and returns the
        figures as the monitor last published them."""
        link = self._current_link()
        link.check_open()
        if link.owner is None:
            self.kill_flag.set()
            s = self.stats()
            return _values.Summary(s.runtime_s, s.total, s.mean.seconds_per_permit,
                                   s.mean.permits_per_second)
        summary = _c.empty(_c.TlSummary)
        with link.lock:
            check(_c.lib.tl_stop(link.owner, ctypes.byref(summary)),
                  "stop of throttle '%s'" % link.name)
        return _values.summary_from_c(summary)

    def restart(self, clean=False):
        """Stops and starts again. clean=True counts the new run from zero; otherwise totals
        and runtime carry over, as after stop() and start()."""
        link = self._owner_link("restart")
        with link.lock:
            check(_c.lib.tl_restart(link.owner, 1 if clean else 0),
                  "restart of throttle '%s'" % link.name)

    def _calibrate(self, seconds=None):
        """Measures classic mode's sleep loop at this throttle's rate for about `seconds`
        (default 1 s, as mp_throttle) with worker processes of its own, sets the correction it
        found and returns it. What was measured is kept in `self.calibration`."""
        link = self._owner_link("_calibrate")
        duration = 0.0 if seconds is None else _options.number("seconds", seconds)
        result = _c.empty(_c.TlCalibration)
        with link.lock:
            check(_c.lib.tl_calibrate(link.owner, duration, ctypes.byref(result)),
                  "calibration of throttle '%s'" % link.name)
        self.calibration = _values.calibration_from_c(result)
        # A later rebuild before start (set()) must keep it, as a chosen correction.
        self._options.apply({"_correction": result.correction})
        return result.correction

    def close(self):
        """Ends this object's use of the throttle in this process. The owner's helpers end
        and its name is free again; a worker leaves the worker table. Done by itself for
        owners when the program ends (atexit) or the object is collected."""
        link = self._current_link()
        if link.closed:
            return
        link.release_handles()
        if link.owner is not None:
            link.destroy_owner()
        link.closed = True

    # ---- Taking fuel ----

    def has_fuel(self):
        """Takes a permit if one is there now; never blocks. False before the throttle runs."""
        handle = self._current_link().handle()
        if handle is None:
            return False
        return _c.lib.tl_has_fuel(handle) == 1

    def await_fuel(self, t=None):
        """Blocks until a permit is taken (True), `t` seconds pass (False; None waits without
        a deadline, still interruptible by Ctrl-C), or the run is stopped (False: look at
        kill_flag). Before the throttle has started it waits for the start."""
        if t is not None:
            t = _options.number("t", t)
            if t < 0:
                raise ValueError("t must be None or a number of seconds >= 0, got %r" % t)
        link = self._current_link()
        if link.gone:
            return False

        def wait_once(handle, seconds):
            result = _c.lib.tl_await_fuel(handle, seconds)
            if result == _c.TL_GRANTED:
                return True
            if result == _c.TL_KILLED:
                return False
            if result == _c.TL_GONE:
                link.gone = True
                return False
            return None  # this slice timed out

        return bool(wait_in_slices(link.handle, deadline_of(t), wait_once))

    def emit(self, timestamp=None):
        """Reports the work of the last permit as done, now or at `timestamp` (a time.time()
        value, as in mp_throttle). Raises ThrottleError (a RuntimeError) while auto_emit is
        on: then every grant has emitted already."""
        handle = self._handle_or_raise("emit()")
        doing = "emit() on throttle '%s'" % self.name
        if timestamp is None:
            check(_c.lib.tl_emit(handle), doing)
            return
        # The library stamps with CLOCK_MONOTONIC (time.monotonic()), which wall-clock
        # adjustments do not move; the wall-clock time given is converted by its age.
        age = time.time() - _options.number("timestamp", timestamp)
        check(_c.lib.tl_emit_at(handle, time.monotonic() - age), doing)

    # ---- Statistics ----

    def stats(self):
        """Everything the monitor publishes, as a Stats named tuple (zeros before the run)."""
        handle = self._current_link().handle()
        if handle is None:
            return _values.ZERO_STATS
        s = _c.empty(_c.TlStats)
        check(_c.lib.tl_get_stats(handle, ctypes.byref(s)),
              "statistics of throttle '%s'" % self.name)
        return _values.stats_from_c(s)

    def backend(self):
        """How a throttle sharing one budget (backend=...) stands with its backend and the
        whole budget, as a Backend named tuple; None for a throttle of this machine alone or
        before the first start."""
        handle = self._current_link().handle()
        if handle is None:
            return None
        b = _c.empty(_c.TlBackend)
        check(_c.lib.tl_get_backend(handle, ctypes.byref(b)),
              "backend of throttle '%s'" % self.name)
        return _values.backend_from_c(b)

    def latest(self):
        """(seconds_per_permit, permits_per_second) over the latest window of `per`."""
        return self.stats().latest

    def mean(self):
        """(seconds_per_permit, permits_per_second): total / runtime, all runs together."""
        return self.stats().mean

    def hi_lo(self):
        """The longest gap between two emissions and its rate: the lowest rate seen."""
        return self.stats().hi_lo

    def lo_hi(self):
        """The shortest gap between two emissions and its rate: the highest rate seen."""
        return self.stats().lo_hi

    # ---- Settings ----

    def config(self):
        """The settings in force now, as a Config named tuple."""
        link = self._current_link()
        handle = link.handle()
        if handle is None:
            if link.owner is None:
                self._handle_or_raise("config()")
            o = self._options
            return _values.Config(o.max_n, o.per, _options.HARDCAP_NAMES[o.hardcap],
                                  _options.MODE_NAMES[o.mode], o.correction, o.rf_rate,
                                  o.as_throttle if o.auto_emit is None else o.auto_emit)
        c = _c.empty(_c.TlConfig)
        check(_c.lib.tl_get_config(handle, ctypes.byref(c)),
              "config() of throttle '%s'" % link.name)
        return _values.config_from_c(c)

    def set(self, **changes):
        """Changes settings live, from the owner or any worker: max_n, per, hardcap, mode,
        _correction (or correction), rf_rate, auto_emit. Only the named ones change; every
        waiter wakes and goes on under the new settings. Bad values raise ValueError and
        change nothing. Returns the settings now in force (a Config)."""
        converted = _options.live_changes(changes)
        link = self._current_link()
        handle = link.handle()
        if handle is None:
            if link.owner is None:
                self._handle_or_raise("set()")
            return self._rebuild_before_start(link, converted)
        patch, mask = _options.config_patch(converted)
        applied = _c.empty(_c.TlConfig)
        check(_c.lib.tl_set_config(handle, ctypes.byref(patch), mask,
                                   ctypes.byref(applied)),
              "set() on throttle '%s'" % link.name)
        return _values.config_from_c(applied)

    def _rebuild_before_start(self, link, converted):
        # Before the first start there is no shared segment to change: the library takes its
        # options at creation. Nothing runs yet, so a throttle made anew with the changed
        # options is the same thing, and tl_create checks them as it checked the first ones.
        updated = copy.copy(self._options)
        updated.apply(converted)
        with link.lock:
            if link.handle() is not None:  # another thread started it meanwhile
                return self.set(**{k: _live_value(k, v) for k, v in converted.items()})
            link.replace_owner(_create(updated))
            self._options = updated
        return self.config()

    # Read-only views of the live settings under mp_throttle's attribute names.
    max_n = property(lambda self: self.config().max_n, doc="permits per `per` seconds")
    per = property(lambda self: self.config().per, doc="seconds that max_n refers to")
    hardcap = property(lambda self: self.config().hardcap, doc="the burst bound's word")
    mode = property(lambda self: self.config().mode, doc="'exact' or 'classic'")
    rf_rate = property(lambda self: self.config().rf_rate, doc="monitor refresh period, s")
    auto_emit = property(lambda self: self.config().auto_emit, doc="every grant emits")
    _correction = property(lambda self: self.config().correction, doc="classic correction")

    # ---- Python protocols ----

    def __enter__(self):
        """`with Throttle(...) as t:` starts the owner's run and stops it at the end; a worker
        object only leaves the throttle at the end."""
        if self.is_owner:
            self.start()
        return self

    def __exit__(self, *exc):
        if self._current_link().owner is not None:
            self.stop()
        else:
            self.close()
        return False

    def __reduce__(self):
        # ctypes pointers cannot cross processes: a copy is the name, and becomes a worker
        # that attaches by it (Pool initargs and Process args under spawn).
        return (_worker_of, (self._link.name,))

    def __repr__(self):
        link = self._link
        role = "owner" if link.owner is not None and link.pid == os.getpid() else "worker"
        return "<throttlelab.Throttle %r (%s%s)>" % (link.name, role,
                                                      ", closed" if link.closed else "")

    def __del__(self):
        # An owner dropped without close() must not leave its helpers running. Only in the
        # owner's own process: a forked copy is a worker and touches no parent object.
        try:
            link = self._link
            if link.owner is not None and link.pid == os.getpid() and not link.closed:
                self.close()
        except Exception:
            pass


def _live_value(key, converted_value):
    """Back from live_changes' form to the keyword form (the words for hardcap and mode)."""
    if key == "hardcap":
        return _options.HARDCAP_NAMES[converted_value]
    if key == "mode":
        return _options.MODE_NAMES[converted_value]
    return converted_value


def _create(options):
    """tl_create with `options`: the tl_throttle pointer, or ValueError/ThrottleError."""
    c_options, keep_alive = options.to_c()
    owner = _c.lib.tl_create(ctypes.byref(c_options))
    del keep_alive  # tl_create copied the strings
    if not owner:
        raise_last_error("Throttle()")
    return owner


def _worker_of(name):
    return Throttle._worker(name)


def attach(name):
    """A worker object for the throttle `name`, owned elsewhere (throttlectl run, the app,
    another Python program). It joins lazily: until a throttle of that name runs, await_fuel
    waits for it and has_fuel is False. A malformed name raises at once."""
    name = _options.text("name", name)
    worker = Throttle._worker(name)
    worker._current_link().handle()  # joins now if it runs; raises for a bad name
    return worker


def _after_fork_in_child():
    for obj in list(_objects):
        obj._after_fork_in_child()


def _close_owners_at_exit():
    # Only the owners made in this very process: a forked child that ends normally must not
    # end its parent's helpers (its copies are workers anyway).
    pid = os.getpid()
    for obj in list(_objects):
        link = obj._link
        if link.owner is not None and link.pid == pid:
            try:
                obj.close()
            except Exception:
                pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_owners_at_exit)
