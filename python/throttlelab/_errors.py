"""How the library's failures become Python exceptions.

Bad input (TL_ERR_BAD_INPUT) is the caller's mistake, so it is a ValueError, as Python's own
functions do for a bad argument value; the library's one-line message already names the option
and what it accepts. Every other failure (a name owned by another live program, a helper that
would not start, a call the state does not allow) is a ThrottleError, a RuntimeError.
"""

from . import _library as _c


class ThrottleError(RuntimeError):
    """A throttle operation failed for a reason other than bad input. `status` is the
    library's TL_ERR_* code (see throttlelab.h), `args[0]` its message."""

    def __init__(self, message, status=_c.TL_ERR_SYSTEM):
        super().__init__(message)
        self.status = status


def _reference_names(message):
    # The library speaks of `correction`; mp_throttle's users know the option as `_correction`.
    if message.startswith("correction "):
        return "_correction (correction) " + message[len("correction "):]
    return message


def error_from(status, message, doing):
    """The exception for a failed call: `doing` says what was attempted, for a message that
    stands on its own ("start of throttle 'x': ...")."""
    message = message or "failed (status %d)" % status
    if status == _c.TL_ERR_BAD_INPUT:
        return ValueError(_reference_names(message))
    return ThrottleError("%s: %s" % (doing, message), status)


def raise_last_error(doing):
    """Raises the calling thread's last library failure."""
    status, message = _c.last_error()
    raise error_from(status, message, doing)


def check(status, doing):
    """Raises for a negative TL_ERR_* status returned by a call; returns it otherwise."""
    if status < 0:
        _, message = _c.last_error()
        raise error_from(status, message, doing)
    return status
