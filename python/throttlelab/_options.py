"""The keyword options of Throttle() and Throttle.set(), checked and turned into C structs.

Two kinds of check are split on purpose. This module checks what only Python can see: an
unknown keyword (mp_throttle silently ignored one, its defect 8), a word that is not a hardcap
or a mode, a value of the wrong type. Ranges (max_n >= 1, per > 0, rf_rate, the correction,
the name's characters) are the library's to check, in tl_create and tl_set_config, so the
rules and their messages are the same from C, Python, throttlectl and the app.
"""

import numbers
import os

from . import _library as _c

HARDCAPS = {"limit": _c.TL_HARDCAP_LIMIT, "one": _c.TL_HARDCAP_ONE,
            "none": _c.TL_HARDCAP_NONE, "window": _c.TL_HARDCAP_WINDOW}
MODES = {"exact": _c.TL_MODE_EXACT, "classic": _c.TL_MODE_CLASSIC}
HARDCAP_NAMES = {value: name for name, value in HARDCAPS.items()}
MODE_NAMES = {value: name for name, value in MODES.items()}
BACKEND_LOSS_POLICIES = {"closed": _c.TL_BACKEND_LOSS_CLOSED, "open": _c.TL_BACKEND_LOSS_OPEN,
                         "local": _c.TL_BACKEND_LOSS_LOCAL}
BACKEND_LOSS_NAMES = {value: name for name, value in BACKEND_LOSS_POLICIES.items()}

# Throttle(max_n, per, **kwargs): mp_throttle's keywords, then ThrottleLab's own.
CONSTRUCTOR_KEYWORDS = ("as_monitor", "as_throttle", "auto_emit", "auto_calibrate",
                        "_correction", "hardcap", "rf_rate", "mode", "name", "log_path",
                        "backend", "on_backend_loss")

# Throttle.set(**changes): what can change while workers run, and its TL_SET_* bit.
# `correction` is accepted as well as mp_throttle's `_correction`, since config() and stats
# name it so (a namedtuple field cannot start with an underscore).
LIVE_FIELDS = {
    "max_n": _c.TL_SET_MAX_N,
    "per": _c.TL_SET_PER,
    "hardcap": _c.TL_SET_HARDCAP,
    "mode": _c.TL_SET_MODE,
    "_correction": _c.TL_SET_CORRECTION,
    "correction": _c.TL_SET_CORRECTION,
    "rf_rate": _c.TL_SET_RF_RATE,
    "auto_emit": _c.TL_SET_AUTO_EMIT,
}


def _quoted(words):
    return ", ".join("'%s'" % w for w in words)


def check_known(given, accepted, where):
    """Raises ValueError for the first keyword not in `accepted`, listing the accepted ones."""
    for key in given:
        if key not in accepted:
            raise ValueError("%s got an unknown option '%s'; accepted: %s"
                             % (where, key, ", ".join(accepted)))


def integer(option, value):
    """An integer option (max_n). bool is refused though it is an int: Throttle(True) is a
    mistake, not one permit. A float with an integral value (4.0) is taken as that integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("%s must be an integer, got %r" % (option, value))
    if isinstance(value, numbers.Integral):
        return int(value)
    if float(value).is_integer():
        return int(value)
    raise ValueError("%s must be an integer, got %r" % (option, value))


def number(option, value):
    """A real-valued option (per, rf_rate, _correction); its range is the library's to check."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("%s must be a number, got %r" % (option, value))
    return float(value)


def flag(option, value):
    """A yes/no option: True/False, or 1/0 as mp_throttle's users sometimes write."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError("%s must be True or False, got %r" % (option, value))


def choice(option, value, choices):
    if isinstance(value, str) and value in choices:
        return choices[value]
    raise ValueError("%s must be one of %s, got %r" % (option, _quoted(choices), value))


def text(option, value):
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ValueError("%s must be a string, got %r" % (option, value))
    return value


class OwnerOptions:
    """Everything a Throttle is made with, in Python form, kept by the owner so that a change
    before the first start can make the throttle again with it (see Throttle.set)."""

    def __init__(self, max_n, per, keywords):
        check_known(keywords, CONSTRUCTOR_KEYWORDS, "Throttle()")
        self.max_n = integer("max_n", max_n)
        self.per = number("per", per)
        self.hardcap = choice("hardcap", keywords.get("hardcap", "limit"), HARDCAPS)
        self.mode = choice("mode", keywords.get("mode", "exact"), MODES)
        self.correction_given = "_correction" in keywords
        self.correction = number("_correction", keywords.get("_correction", 0.0))
        self.rf_rate = number("rf_rate", keywords.get("rf_rate", 0.01))
        self.as_throttle = flag("as_throttle", keywords.get("as_throttle", True))
        self.as_monitor = flag("as_monitor", keywords.get("as_monitor", True))
        # None: the reference's rules, applied by the library (auto_emit = as_throttle;
        # auto_calibrate in classic mode from 49/s without a chosen correction).
        self.auto_emit = _optional_flag("auto_emit", keywords.get("auto_emit"))
        self.auto_calibrate = _optional_flag("auto_calibrate", keywords.get("auto_calibrate"))
        self.name = text("name", keywords["name"]) if "name" in keywords else None
        self.log_path = (text("log_path", keywords["log_path"])
                         if keywords.get("log_path") is not None else None)
        # One budget shared with other machines' throttles on the same key (the URL's form
        # and what it needs, exact mode, are the library's to check), and what this one does
        # while the backend is slow or gone; None: closed with hardcap='window', else local.
        self.backend = (text("backend", keywords["backend"])
                        if keywords.get("backend") is not None else None)
        self.on_backend_loss = (choice("on_backend_loss", keywords["on_backend_loss"],
                                       BACKEND_LOSS_POLICIES)
                                if keywords.get("on_backend_loss") is not None else None)

    def apply(self, changes):
        """Folds set()'s already-checked `changes` (see live_changes) into these options."""
        for key, value in changes.items():
            if key in ("_correction", "correction"):
                self.correction, self.correction_given = value, True
            else:
                setattr(self, key, value)

    def to_c(self):
        """A tl_options with these values over the library's defaults. The bytes objects are
        returned too: the struct only points at them, so they must outlive the call."""
        o = _c.initialized(_c.TlOptions, _c.lib.tl_options_init_size)
        name = self.name.encode("utf-8")
        log = self.log_path.encode("utf-8") if self.log_path is not None else None
        backend = self.backend.encode("utf-8") if self.backend is not None else None
        o.name = name
        o.max_n = self.max_n
        o.per = self.per
        o.hardcap = self.hardcap
        o.mode = self.mode
        o.correction = self.correction
        o.correction_given = 1 if self.correction_given else 0
        o.rf_rate = self.rf_rate
        o.as_throttle = int(self.as_throttle)
        o.as_monitor = int(self.as_monitor)
        o.auto_emit = -1 if self.auto_emit is None else int(self.auto_emit)
        o.auto_calibrate = -1 if self.auto_calibrate is None else int(self.auto_calibrate)
        o.log_path = log
        o.backend_url = backend
        o.on_backend_loss = (_c.TL_BACKEND_LOSS_DEFAULT if self.on_backend_loss is None
                             else self.on_backend_loss)
        return o, (name, log, backend)


def _optional_flag(option, value):
    return None if value is None else flag(option, value)


def live_changes(changes):
    """Checks set()'s keywords: returns them converted ({'hardcap': TL_HARDCAP_ONE, ...})."""
    check_known(changes, tuple(LIVE_FIELDS), "set()")
    if not changes:
        raise ValueError("set() needs at least one option to change; accepted: %s"
                         % ", ".join(LIVE_FIELDS))
    if "_correction" in changes and "correction" in changes:
        raise ValueError("set() got both _correction and correction; give one")
    converted = {}
    for key, value in changes.items():
        if key == "max_n":
            converted[key] = integer(key, value)
        elif key in ("per", "rf_rate", "_correction", "correction"):
            converted[key] = number(key, value)
        elif key == "hardcap":
            converted[key] = choice(key, value, HARDCAPS)
        elif key == "mode":
            converted[key] = choice(key, value, MODES)
        elif key == "auto_emit":
            converted[key] = flag(key, value)
    return converted


def config_patch(converted):
    """A tl_config holding `converted` (from live_changes) and the TL_SET_* mask naming them:
    only those fields change, so two processes changing different ones at once both win."""
    c = _c.initialized(_c.TlConfig, _c.lib.tl_config_init_size)
    mask = 0
    for key, value in converted.items():
        mask |= LIVE_FIELDS[key]
        if key in ("_correction", "correction"):
            c.correction = value
        elif key == "auto_emit":
            c.auto_emit = int(value)
        else:
            setattr(c, key, value)
    return c, mask
