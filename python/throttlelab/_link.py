"""One process's connection to one named throttle: which C objects it may use, and when.

The C interface has two rules this module exists to keep (throttlelab.h, "Threads"):
- A process that forks must not use the parent's objects in the child. So every link
  remembers the pid that made it; a child (found by os.register_at_fork, and by comparing
  pids, for forks that bypass Python's hooks) gets a fresh link of the same name and drops
  the inherited pointers without calling tl_detach or tl_destroy on them: those belong to the
  parent, whose memory the child only has a copy of.
- One object is used by one thread at a time. So each thread gets its own tl_handle: the
  thread that created an owner uses the owner's own handle (tl_throttle_handle), every other
  thread attaches one of its own by name (tl_attach), released when the thread ends.

A worker attaches lazily: workers are often started before the owner's start(), while no
throttle of that name exists yet (TL_ERR_NOT_FOUND), and then simply find none yet.
"""

import ctypes
import os
import threading
import weakref

from . import _library as _c
from ._errors import ThrottleError, error_from

_ERROR_BUFFER_BYTES = 512


class _AttachedHandle:
    """A tl_handle from tl_attach, detached when no thread holds it any more (a thread's
    threading.local is cleared when the thread ends) or when its throttle object closes.
    Never detached from another process than the one that attached it."""

    def __init__(self, pointer):
        self.pointer = pointer
        self.pid = os.getpid()

    def release(self):
        pointer, self.pointer = self.pointer, None
        if pointer and self.pid == os.getpid():
            _c.lib.tl_detach(pointer)

    def __del__(self):
        try:
            self.release()
        except Exception:  # interpreter shutdown: the process's end frees it anyway
            pass


def attach_by_name(name):
    """One tl_attach: a handle pointer, or None when no throttle of that name exists yet.
    Any other failure raises."""
    error = ctypes.create_string_buffer(_ERROR_BUFFER_BYTES)
    pointer = _c.lib.tl_attach(name.encode("utf-8"), error, len(error))
    if pointer:
        return pointer
    status = _c.lib.tl_last_status()
    if status == _c.TL_ERR_NOT_FOUND:
        return None
    message = error.value.decode("utf-8", "replace")
    raise error_from(status, message, "attach to throttle '%s'" % name)


class Link:
    """This process's connection to the throttle `name`; `owner` is the tl_throttle pointer
    when this process created it (None in a worker)."""

    def __init__(self, name, owner=None, closed=False):
        self.pid = os.getpid()
        self.name = name
        self.owner = owner
        self.owner_thread = threading.get_ident() if owner else None
        self._owner_handle = None  # tl_throttle_handle's, once the first start made it
        # Calls on the tl_throttle (start, stop, a rebuild, destroy) come from any thread of
        # the owner: the C object takes one at a time.
        self.lock = threading.RLock()
        self._local = threading.local()
        self._attached = weakref.WeakSet()  # every _AttachedHandle of this link, any thread
        # The owner died (a wait returned TL_GONE): the run is over for good for this link.
        self.gone = False
        self.closed = closed

    def forked(self):
        """The link a forked child uses instead of this one: a worker of the same name. The
        inherited pointers are dropped, never detached or destroyed (they are the parent's)."""
        return Link(self.name, owner=None, closed=self.closed)

    def check_open(self):
        if self.closed:
            raise ThrottleError("throttle '%s' is closed in this process" % self.name,
                                _c.TL_ERR_STATE)

    def uses_owner_handle(self):
        return self.owner is not None and threading.get_ident() == self.owner_thread

    def handle(self):
        """This thread's tl_handle pointer, or None while there is no throttle to use yet
        (the owner before its first start; a worker before a throttle of the name exists)."""
        self.check_open()
        if self.uses_owner_handle():
            if self._owner_handle is None:
                with self.lock:
                    # NULL (TL_ERR_STATE) until the first tl_start attaches it.
                    self._owner_handle = _c.lib.tl_throttle_handle(self.owner) or None
            return self._owner_handle
        held = getattr(self._local, "handle", None)
        if held is not None and held.pointer:
            return held.pointer
        pointer = attach_by_name(self.name)
        if pointer is None:
            return None
        held = _AttachedHandle(pointer)
        self._local.handle = held
        self._attached.add(held)
        return pointer

    def release_handles(self):
        """Detaches every handle this link attached, in every thread of this process."""
        for held in list(self._attached):
            held.release()
        self._local = threading.local()

    def destroy_owner(self):
        """Stops and frees the tl_throttle (the owner's helpers end). Only in its own pid."""
        with self.lock:
            owner, self.owner = self.owner, None
            self._owner_handle = None  # tl_destroy frees it with the throttle
            if owner and self.pid == os.getpid():
                _c.lib.tl_destroy(owner)

    def replace_owner(self, new_owner):
        """Swaps in a tl_throttle made with new options, before the first start (Throttle.set).
        The old one never ran: destroying it stops nothing."""
        with self.lock:
            old, self.owner = self.owner, new_owner
            self._owner_handle = None
            if old:
                _c.lib.tl_destroy(old)
