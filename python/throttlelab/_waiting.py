"""Blocking waits that stay interruptible and tolerate a throttle that does not exist yet.

Python runs its signal handlers (KeyboardInterrupt on Ctrl-C) only between bytecodes, never
inside a foreign call. A wait without a deadline is therefore made of short C waits in a loop:
ctypes releases the GIL during each, and between two of them Python can raise
KeyboardInterrupt. The slices cost nothing measurable: a waiter that times out takes nothing
with it and joins again at once (throttle_client.h, "Leaving").

While there is no throttle to wait on yet (a worker started before the owner's start()), the
loop retries attaching every ATTACH_RETRY_S, within the same deadline.
"""

import time

# The longest one C wait lasts: how late Ctrl-C may be noticed.
WAIT_SLICE_S = 0.2
# How often a worker looks for a throttle that does not exist yet.
ATTACH_RETRY_S = 0.02


def deadline_of(timeout):
    return None if timeout is None else time.monotonic() + timeout


def wait_in_slices(get_handle, deadline, wait_once):
    """Calls wait_once(handle, seconds) with slices of at most WAIT_SLICE_S until it returns
    something other than None, which is returned; None once `deadline` (monotonic, or None for
    none) has passed. get_handle() returns None while there is nothing to wait on yet."""
    while True:
        handle = get_handle()
        remaining = None if deadline is None else deadline - time.monotonic()
        if handle is None:
            if remaining is not None and remaining <= 0:
                return None
            time.sleep(ATTACH_RETRY_S if remaining is None else min(ATTACH_RETRY_S, remaining))
            continue
        slice_s = WAIT_SLICE_S if remaining is None else max(0.0, min(WAIT_SLICE_S, remaining))
        result = wait_once(handle, slice_s)
        if result is not None:
            return result
        if deadline is not None and time.monotonic() >= deadline:
            return None
