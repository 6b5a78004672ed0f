"""The values the package returns: named tuples, so they unpack and compare like the plain
tuples mp_throttle returned (`runtime, total, spp, pps = t.stop()`) and still read by name
(`t.stop().total`). They are snapshots, not live multiprocessing.Value objects: reading one
twice gives the same numbers; call the method again for fresh ones."""

from collections import namedtuple

from . import _library as _c
from . import _options

class _PrintsAsTuple:
    """mp_throttle returned plain tuples, and programs print them: these print the same way
    ("(0.25, 4.0)"), so output does not change with the import line. Fields still read by
    name."""

    __slots__ = ()

    def __repr__(self):
        return tuple.__repr__(self)


class RatePair(_PrintsAsTuple, namedtuple("RatePair", ["seconds_per_permit",
                                                        "permits_per_second"])):
    """mp_throttle's (seconds_per_permit, permits_per_second) pair; (0, 0) when nothing has
    been measured yet."""

    __slots__ = ()


class Summary(_PrintsAsTuple, namedtuple("Summary", ["runtime", "total",
                                                      "mean_seconds_per_permit",
                                                      "mean_permits_per_second"])):
    """stop()'s answer, mp_throttle's 4-tuple (runtime, total_emissions,
    mean_time_between_processes, mean_processes_per_second). Totals and runtime carry over
    across stop() and start()."""

    __slots__ = ()


Stats = namedtuple("Stats", [
    "latest", "mean", "hi_lo", "lo_hi",    # RatePair each
    "total", "runtime_s", "max_in_window", "target_rate", "latest_count",
    "gap_p50_s", "gap_p90_s", "gap_p99_s", "overflow",
    "running", "killed", "workers",
])
Stats.__doc__ = """Everything the monitor publishes (tl_stats):
latest: over the most recent window of length `per`; mean: total / runtime;
hi_lo / lo_hi: the longest / shortest gap between emissions, all time (in time order, so
never negative); total: permits counted; runtime_s: seconds run, all runs together;
max_in_window: most permits seen in any window of `per`; target_rate: max_n / per;
latest_count: permits in the latest window; gap_p50_s/p90/p99: percentiles of the gaps;
overflow: emissions lost to a full ring (reported, never silent); running, killed: the run's
state; workers: processes attached as workers now."""

Config = namedtuple("Config", ["max_n", "per", "hardcap", "mode", "correction", "rf_rate",
                               "auto_emit"])
Config.__doc__ = ("The live settings. hardcap and mode are the words Throttle() takes; "
                  "correction is mp_throttle's _correction.")

Calibration = namedtuple("Calibration", ["target_rate", "uncorrected_rate",
                                         "reference_correction", "correction",
                                         "corrected_rate"])
Calibration.__doc__ = ("What _calibrate() measured: the rate reached with correction 0, "
                       "mp_throttle's own formula (1 - achieved/target), the correction set, "
                       "and the rate reached with it.")

Backend = namedtuple("Backend", ["url", "state", "policy", "feed", "machines", "outages",
                                 "state_for_s", "calls", "leased", "returned", "budget_taken",
                                 "budget_rate", "error"])
Backend.__doc__ = """A throttle sharing one budget with other machines (Throttle(backend=...)),
as its throttle process last published it: state is 'connecting', 'connected' or 'lost';
policy what it does while lost ('closed', 'open', 'local'); feed where permits come from now;
machines the machines seen on the key, this one included; outages the links lost since the
start; calls, leased and returned its calls to the backend, the permits granted and those
given back unused; budget_taken every machine's permits in the last window and budget_rate
their latest rates summed; error the last failure ('' if none)."""

_BACKEND_STATES = {_c.TL_BACKEND_CONNECTING: "connecting", _c.TL_BACKEND_CONNECTED: "connected",
                   _c.TL_BACKEND_LOST: "lost"}

ZERO_PAIR = RatePair(0.0, 0.0)
ZERO_STATS = Stats(ZERO_PAIR, ZERO_PAIR, ZERO_PAIR, ZERO_PAIR, 0, 0.0, 0, 0.0, 0,
                   0.0, 0.0, 0.0, 0, False, False, 0)


def _pair(c_pair):
    return RatePair(c_pair.seconds_per_permit, c_pair.permits_per_second)


def stats_from_c(s):
    return Stats(_pair(s.latest), _pair(s.mean), _pair(s.hi_lo), _pair(s.lo_hi),
                 s.total, s.runtime_s, s.max_in_window, s.target_rate, s.latest_count,
                 s.gap_p50_s, s.gap_p90_s, s.gap_p99_s, s.overflow,
                 bool(s.running), bool(s.killed), s.workers)


def summary_from_c(s):
    return Summary(s.runtime_s, s.total, s.mean_interval_s, s.mean_rate)


def config_from_c(c):
    return Config(c.max_n, c.per, _options.HARDCAP_NAMES.get(c.hardcap, c.hardcap),
                  _options.MODE_NAMES.get(c.mode, c.mode), c.correction, c.rf_rate,
                  bool(c.auto_emit))


def calibration_from_c(c):
    return Calibration(c.target_rate, c.uncorrected_rate, c.reference_correction,
                       c.correction, c.corrected_rate)


def backend_from_c(b):
    """None for a throttle of this machine alone."""
    if b.state == _c.TL_BACKEND_NONE:
        return None

    def text(raw):
        return raw.decode("utf-8", "replace")

    return Backend(text(b.url), _BACKEND_STATES.get(b.state, b.state),
                   _options.BACKEND_LOSS_NAMES.get(b.policy, b.policy), text(b.feed),
                   b.machines, b.outages, b.state_for_s, b.calls, b.leased, b.returned,
                   b.budget_taken, b.budget_rate, text(b.error))
