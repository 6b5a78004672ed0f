"""The Throttle object in one process: options, the run's life, taking fuel, emitting, the
kill flag, live settings and statistics. Real helper processes run behind every started
throttle; wall-clock bounds are generous (the machine is noisy) and only bound, never time."""

import csv
import os
import pickle
import subprocess
import threading
import time

import pytest

import support
import throttlelab

# ---- Options: everything wrong raises ValueError naming the option ----

BAD_CONSTRUCTIONS = [
    # (args, kwargs, a word the message must hold)
    ((4, 1), {"hardcapp": "one"}, "hardcapp"),          # unknown keyword (reference ignored it)
    ((4, 1), {"as_monitr": True}, "as_monitr"),
    ((4, 1), {"hardcap": "limt"}, "hardcap"),           # misspelt (reference: unbounded)
    ((4, 1), {"hardcap": "LIMIT"}, "hardcap"),
    ((4, 1), {"hardcap": 0}, "hardcap"),
    ((4, 1), {"mode": "fast"}, "mode"),
    ((0, 1), {}, "max_n"),                             # the reference's default, 0
    ((-1, 1), {}, "max_n"),
    ((4.5, 1), {}, "max_n"),
    (("4", 1), {}, "max_n"),
    ((True, 1), {}, "max_n"),
    ((4, 0), {}, "per"),
    ((4, -1), {}, "per"),
    ((4, "1"), {}, "per"),
    ((4, 1), {"rf_rate": 0}, "rf_rate"),               # the reference raised a bare Exception
    ((4, 1), {"rf_rate": -0.01}, "rf_rate"),
    ((4, 1), {"_correction": 1.0}, "_correction"),
    ((4, 1), {"_correction": -0.1}, "_correction"),
    ((4, 1), {"as_throttle": "yes"}, "as_throttle"),
    ((4, 1), {"auto_emit": 2}, "auto_emit"),
    ((4, 1), {"name": "has space"}, "name"),
    ((4, 1), {"name": ""}, "name"),
    ((4, 1), {"name": "x" * 65}, "name"),
    ((4, 1), {"name": "a/b"}, "name"),
]


@pytest.mark.parametrize("args,kwargs,option", BAD_CONSTRUCTIONS,
                         ids=["%s-%s" % (a, k) for a, k, _ in BAD_CONSTRUCTIONS])
def test_bad_option_raises_value_error_naming_it(args, kwargs, option):
    with pytest.raises(ValueError) as raised:
        throttlelab.Throttle(*args, **kwargs)
    assert option in str(raised.value)


def test_unknown_keyword_lists_the_accepted_ones():
    with pytest.raises(ValueError) as raised:
        throttlelab.Throttle(4, 1, hardcapp="one")
    for accepted in ("as_monitor", "as_throttle", "auto_emit", "auto_calibrate", "_correction",
                     "hardcap", "rf_rate", "mode", "name", "log_path"):
        assert accepted in str(raised.value)


def test_range_message_says_what_is_accepted():
    with pytest.raises(ValueError, match=r"max_n must be an integer from 1"):
        throttlelab.Throttle(0, 1)


@pytest.mark.parametrize("changes,option", [
    ({"max_n": 0}, "max_n"), ({"max_n": -3}, "max_n"), ({"per": 0}, "per"),
    ({"rf_rate": 0}, "rf_rate"), ({"hardcap": "once"}, "hardcap"), ({"mode": "exactly"}, "mode"),
    ({"_correction": 2}, "_correction"), ({"maxn": 5}, "maxn"), ({"name": "other"}, "name"),
])
def test_bad_live_change_raises_and_changes_nothing(throttles, changes, option):
    t = throttles(4, 1)
    t.start()
    before = t.config()
    with pytest.raises(ValueError) as raised:
        t.set(**changes)
    assert option in str(raised.value)
    assert t.config() == before


def test_set_with_nothing_raises(throttles):
    with pytest.raises(ValueError):
        throttles(4, 1).set()


def test_defaults_are_the_reference_s(throttles):
    t = throttles(4, 1)
    assert t.config() == throttlelab.Config(max_n=4, per=1.0, hardcap="limit", mode="exact",
                                            correction=0.0, rf_rate=0.01, auto_emit=True)
    assert (t.max_n, t.per, t.hardcap, t.rf_rate, t.auto_emit) == (4, 1.0, "limit", 0.01, True)
    # auto_emit defaults to as_throttle, as in the reference
    assert throttles(4, 1, as_throttle=False).config().auto_emit is False


def test_default_names_are_unique_and_valid(throttles):
    a, b = throttles(4, 1), throttles(4, 1)
    assert a.name != b.name
    assert a.name.startswith("py-%d-" % os.getpid())


def test_set_before_start_is_used_by_the_run(throttles, name):
    t = throttles(4, 1, name=name)
    assert t.set(max_n=7, hardcap="one", _correction=0.05).max_n == 7
    t.start()
    c = t.config()
    assert (c.max_n, c.hardcap, c.correction) == (7, "one", 0.05)
    assert support.inspect(name)["config"]["max_n"] == 7


# ---- The run's life: stop before start, twice, restart (the reference's defect 4) ----

def test_stop_before_start_reports_zeros(throttles):
    t = throttles(4, 1)
    assert t.stop() == (0.0, 0, 0.0, 0.0)
    t.start()
    assert t.await_fuel(5)
    runtime, total, _, _ = t.stop()
    # The reference added the epoch (about 1.7e9 s) to runtime here.
    assert 0 < runtime < 30
    assert total == 1


def test_second_stop_does_not_double_count(throttles):
    t = throttles(20, 1)
    t.start()
    for _ in range(3):
        assert t.await_fuel(5)
    first = t.stop()
    second = t.stop()
    assert first == second
    assert first.total == 3
    assert len(first) == 4 and isinstance(first, tuple)


def test_start_twice_does_not_double_the_rate(throttles):
    t = throttles(5, 1, hardcap="one")
    t.start()
    t.start()  # the reference started a second throttle process here
    deadline = time.monotonic() + 1.0
    taken = 0
    while time.monotonic() < deadline:
        taken += t.await_fuel(max(0.0, deadline - time.monotonic()))
    assert taken <= 7  # 5/s plus the first one, and a little slack; doubled would be ~11


def test_restart_carries_totals_over_or_starts_clean(throttles):
    t = throttles(50, 1)
    t.start()
    for _ in range(3):
        assert t.await_fuel(5)
    t.stop()
    t.restart()
    assert t.await_fuel(5)
    assert t.stop().total == 4
    t.restart(clean=True)
    assert t.await_fuel(5)
    assert t.stop().total == 1


def test_context_manager_starts_and_stops(throttles):
    t = throttles(10, 1)
    with t as running:
        assert running is t
        assert t.await_fuel(5)
        assert t.stats().running
    assert t.kill_flag.is_set()
    assert t.stop().total == 1


def test_close_frees_the_name(name):
    t = throttlelab.Throttle(4, 1, name=name)
    t.start()
    t.close()
    t.close()  # idempotent
    with pytest.raises(throttlelab.ThrottleError):
        t.await_fuel(0)
    again = throttlelab.Throttle(4, 1, name=name)
    try:
        again.start()  # the name is free again: no TL_ERR_IN_USE
        assert again.await_fuel(5)
    finally:
        again.close()


def test_a_name_in_use_is_refused(throttles, name):
    throttles(4, 1, name=name).start()
    other = throttles(4, 1, name=name)
    with pytest.raises(throttlelab.ThrottleError, match="already running"):
        other.start()


# ---- Taking fuel ----

def test_await_fuel_times_out(throttles):
    t = throttles(1, 60)
    t.start()
    assert t.await_fuel(5)  # the first permit comes at once
    began = time.monotonic()
    assert t.await_fuel(0.05) is False
    assert time.monotonic() - began < 2  # only a generous bound: the machine is noisy
    assert t.has_fuel() is False


def test_await_fuel_before_start_times_out(throttles):
    t = throttles(4, 1)
    began = time.monotonic()
    assert t.await_fuel(0.05) is False
    assert time.monotonic() - began < 2
    assert t.has_fuel() is False
    assert t.kill_flag.is_set() is False
    assert t.stats() == throttlelab.Stats(*([throttlelab.RatePair(0.0, 0.0)] * 4),
                                          0, 0.0, 0, 0.0, 0, 0.0, 0.0, 0.0, 0, False, False, 0)


def test_await_fuel_rejects_a_negative_timeout(throttles):
    with pytest.raises(ValueError, match="t must be"):
        throttles(4, 1).await_fuel(-1)


def test_threads_each_take_fuel_with_a_handle_of_their_own(throttles):
    t = throttles(20, 1)
    counts = []

    def work():
        n = 0
        while not t.kill_flag.is_set():
            n += t.await_fuel()
        counts.append(n)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    t.start()
    time.sleep(1.0)
    total = t.stop().total
    for th in threads:
        th.join(10)
    assert len(counts) == 3
    assert sum(counts) == total


# ---- Emitting ----

def test_emit_raises_while_auto_emit_is_on(throttles):
    t = throttles(10, 1)
    t.start()
    assert t.await_fuel(5)
    with pytest.raises(RuntimeError, match="auto_emit"):
        t.emit()
    with pytest.raises(throttlelab.ThrottleError):
        t.emit(time.time())


def test_emit_counts_with_auto_emit_off(throttles):
    t = throttles(50, 1, auto_emit=False)
    t.start()
    for _ in range(4):
        assert t.await_fuel(5)
    t.emit()
    t.emit()
    t.emit(timestamp=time.time())  # a time.time() value, as in the reference
    assert t.stop().total == 3  # 4 grants, 3 emitted: only emissions are counted


def test_emit_before_start_raises(throttles):
    with pytest.raises(throttlelab.ThrottleError, match="not been started"):
        throttles(4, 1, auto_emit=False).emit()


def test_log_path_gets_a_row_per_permit(throttles, tmp_path):
    log = tmp_path / "permits.csv"
    t = throttles(50, 1, log_path=str(log))
    t.start()
    for _ in range(5):
        assert t.await_fuel(5)
    total = t.stop().total
    with open(log) as f:
        rows = [row for row in csv.reader(f) if row and row[0] != "worker"]
    assert len(rows) == total == 5


# ---- The kill flag ----

def test_kill_flag_wait_times_out_then_sees_the_flag(throttles):
    t = throttles(4, 1)
    t.start()
    began = time.monotonic()
    assert t.kill_flag.wait(0.1) is False
    assert time.monotonic() - began < 2
    threading.Timer(0.2, t.kill_flag.set).start()
    assert t.kill_flag.wait(10) is True
    assert t.kill_flag.is_set()
    # The owner stops the run by itself once the flag is set: stop() reports it.
    assert support.wait_until(lambda: not t.stats().running, 5)


def test_kill_flag_set_wakes_every_waiting_thread(throttles):
    t = throttles(1, 60)
    t.start()
    assert t.await_fuel(5)
    results = []
    threads = [threading.Thread(target=lambda: results.append(t.await_fuel()))
               for _ in range(3)]
    for th in threads:
        th.start()
    time.sleep(0.3)
    t.kill_flag.set()
    for th in threads:
        th.join(10)
    assert results == [False, False, False]


def test_kill_flag_clear_and_start_clears_it(throttles):
    t = throttles(4, 1)
    t.kill_flag.set()  # before start: nothing to stop, and start clears it anyway
    t.start()
    assert not t.kill_flag.is_set()
    t.stop()
    assert t.kill_flag.is_set()
    t.kill_flag.clear()
    assert not t.kill_flag.is_set()
    t.start()
    assert t.await_fuel(5)


# ---- Statistics and settings ----

def test_stats_shapes(throttles):
    t = throttles(50, 1)
    t.start()
    for _ in range(10):
        assert t.await_fuel(5)
    assert support.wait_until(lambda: t.stats().total == 10, 5)
    s = t.stats()
    assert isinstance(s, throttlelab.Stats) and len(s) == 16
    for pair in (t.latest(), t.mean(), t.hi_lo(), t.lo_hi(), s.latest, s.mean, s.hi_lo, s.lo_hi):
        assert isinstance(pair, tuple) and len(pair) == 2
        assert all(isinstance(x, float) for x in pair)
    assert s.lo_hi.seconds_per_permit <= s.hi_lo.seconds_per_permit  # never negative gaps
    assert s.lo_hi.seconds_per_permit >= 0
    assert s.target_rate == 50.0
    assert s.running is True and s.killed is False
    assert s.workers >= 1  # the owner's own handle is a worker
    assert str(t.mean()).startswith("(")  # prints as the reference's plain tuple


def test_live_change_from_the_owner(throttles):
    t = throttles(4, 1)
    t.start()
    applied = t.set(max_n=9, hardcap="window", mode="classic", _correction=0.1, rf_rate=0.05,
                    auto_emit=False)
    assert applied == throttlelab.Config(9, 1.0, "window", "classic", 0.1, 0.05, False)
    assert t.config() == applied
    assert t.set(correction=0.0).correction == 0.0


def test_calibrate_sets_and_returns_the_correction(throttles):
    t = throttles(100, 1, mode="classic")
    correction = t._calibrate(0.5)
    assert 0 <= correction < 1
    assert isinstance(t.calibration, throttlelab.Calibration)
    assert t.calibration.correction == correction
    assert t.calibration.target_rate == 100
    assert t.config().correction == correction


# ---- Owners and workers in one process; pickling ----

def test_a_pickled_copy_is_a_worker_of_the_same_throttle(throttles):
    t = throttles(50, 1)
    copy = pickle.loads(pickle.dumps(t))
    assert copy.name == t.name and copy.is_owner is False and t.is_owner is True
    assert copy.await_fuel(0.05) is False  # not started yet: nothing to attach to
    t.start()
    assert copy.await_fuel(5)
    with pytest.raises(throttlelab.ThrottleError, match="owner"):
        copy.start()
    with pytest.raises(throttlelab.ThrottleError, match="owner"):
        copy.restart()
    copy.close()
    assert support.wait_until(lambda: t.stats().total == 1, 5)


def test_version():
    assert throttlelab.__version__.count(".") == 2


# ---- Finding the library ----

def _import_in_a_child(env, cwd):
    program = "import throttlelab; print(throttlelab.__version__)"
    return subprocess.run([support.PYTHON, "-c", program], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=30)


def test_an_explicit_library_that_does_not_load_is_an_import_error(tmp_path):
    env = dict(os.environ, THROTTLELAB_LIBRARY=str(tmp_path / "nope.so"))
    result = subprocess.run(
        [support.PYTHON, "-c",
         "import sys\ntry:\n    import throttlelab\nexcept ImportError as e:\n"
         "    print(e)\n    sys.exit(3)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 3, result.stderr
    assert "THROTTLELAB_LIBRARY" in result.stdout and "nope.so" in result.stdout


def test_the_library_is_found_beside_the_package(tmp_path):
    import shutil

    package = tmp_path / "throttlelab"
    shutil.copytree(support.PYTHON_DIR / "throttlelab", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.symlink(support.LIBRARY.resolve(), package / "libthrottlelab.so.0")
    env = {k: v for k, v in os.environ.items() if k not in ("THROTTLELAB_LIBRARY", "PYTHONPATH")}
    env["PYTHONPATH"] = str(tmp_path)
    result = _import_in_a_child(env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == throttlelab.__version__


def test_the_library_is_found_in_the_source_tree_build(tmp_path):
    if support.BUILD != (support.REPO / "build").resolve():
        pytest.skip("the build tree is not <repo>/build, where the package looks by itself")
    env = {k: v for k, v in os.environ.items() if k != "THROTTLELAB_LIBRARY"}
    result = subprocess.run(
        [support.PYTHON, "-c", "import throttlelab._library as l; print(l.path)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert os.path.samefile(result.stdout.strip(), support.LIBRARY)
