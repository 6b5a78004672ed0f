"""The throttle across processes, the way mp_throttle's users pass it: as Pool initargs and
Process args, under both the fork and the spawn start methods; workers started before
start(); the kill flag from the owner and from a worker; forked children and program exit."""

import multiprocessing
import queue
import time

import pytest

import support
import tl_workers

START_METHODS = ["fork", "spawn"]


def _drain(results, count, timeout=20):
    """`count` reports from the workers' queue, within `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    got = []
    while len(got) < count:
        try:
            got.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError("only %d of %d worker reports: %r" % (len(got), count, got))
    return got


@pytest.mark.parametrize("method", START_METHODS)
def test_pool_initializer_workers_count_what_the_throttle_counts(throttles, method):
    ctx = multiprocessing.get_context(method)
    t = throttles(10, 1)
    results = ctx.Queue()
    with ctx.Pool(processes=3, initializer=tl_workers.count_permits,
                  initargs=(t, results)) as pool:
        t.start()
        time.sleep(1.5)
        summary = t.stop()
        counts = _drain(results, 3)
        pool.terminate()
    assert sum(n for _, n in counts) == summary.total
    assert summary.total >= 10  # 10/s for 1.5 s, the first at once; generous lower bound
    assert len({pid for pid, _ in counts}) == 3


@pytest.mark.parametrize("method", START_METHODS)
def test_process_args_workers_started_before_start_wait_then_run(throttles, processes, method):
    ctx = multiprocessing.get_context(method)
    t = throttles(20, 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=tl_workers.report_then_count, args=(t, results))
               for _ in range(2)]
    for w in workers:
        processes(w)
        w.start()
    # Before start(): no throttle exists yet; the workers see no fuel and no kill flag, and
    # then block in await_fuel.
    for report in _drain(results, 2):
        assert report[0] == "before"
        _, _, has_fuel, killed, total, running = report
        assert (has_fuel, killed, total, running) == (False, False, 0, False)
    time.sleep(0.3)
    assert all(w.is_alive() for w in workers)
    assert results.empty()  # nobody got through before the start
    t.start()
    time.sleep(1.0)
    summary = t.stop()
    counts = _drain(results, 2)
    for w in workers:
        w.join(10)
        assert w.exitcode == 0
    assert sum(n for _, n in counts) == summary.total
    assert all(n > 0 for _, n in counts)


@pytest.mark.parametrize("setter", ["owner", "worker"])
def test_kill_flag_set_wakes_every_waiter(throttles, processes, setter):
    ctx = multiprocessing.get_context("fork")
    t = throttles(1, 60)
    t.start()
    assert t.await_fuel(5)  # the only permit for a minute: everyone else waits
    results = ctx.Queue()
    waiters = [ctx.Process(target=tl_workers.await_one, args=(t, results)) for _ in range(3)]
    waiters.append(ctx.Process(target=tl_workers.wait_for_kill, args=(t, results, None)))
    for w in waiters:
        processes(w)
        w.start()
    assert all(r[0] == "waiting" for r in _drain(results, len(waiters)))
    time.sleep(0.3)  # well inside their waits
    if setter == "owner":
        t.kill_flag.set()
    else:
        setter_process = ctx.Process(target=tl_workers.set_kill_flag, args=(t, results))
        processes(setter_process)
        setter_process.start()
    reports = _drain(results, len(waiters) + (setter == "worker"), timeout=10)
    woke = [r for r in reports if r[0] == "woke"]
    assert sorted(r[1:] for r in woke) == sorted((w.pid, False, True) for w in waiters[:3])
    assert [r[2] for r in reports if r[0] == "kill_flag.wait"] == [True]
    assert t.kill_flag.is_set()
    # A worker's kill flag stops the owner's run too (as `throttlectl stop` does).
    assert support.wait_until(lambda: not t.stats().running, 5)
    assert t.stop().total == 1


def test_worker_kill_flag_wait_times_out(throttles, processes):
    ctx = multiprocessing.get_context("spawn")
    t = throttles(4, 1)
    t.start()
    results = ctx.Queue()
    p = ctx.Process(target=tl_workers.wait_for_kill, args=(t, results, 0.2))
    processes(p)
    p.start()
    assert _drain(results, 2)[1] == ("kill_flag.wait", p.pid, False)


@pytest.mark.parametrize("method", START_METHODS)
def test_live_change_from_a_worker_changes_the_rate(throttles, processes, method):
    ctx = multiprocessing.get_context(method)
    t = throttles(4, 1, hardcap="one")
    results = ctx.Queue()
    counters = [ctx.Process(target=tl_workers.count_permits, args=(t, results))
                for _ in range(2)]
    for p in counters:
        processes(p)
        p.start()
    t.start()

    def permits_in(seconds):
        before = t.stats().total
        time.sleep(seconds)
        return t.stats().total - before

    time.sleep(0.3)
    slow = permits_in(1.0)  # about 4
    changer = ctx.Process(target=tl_workers.change_max_n, args=(t, results, 40))
    processes(changer)
    changer.start()
    changed = results.get(timeout=20)
    assert changed[0] == "set" and changed[1][0] == 40
    assert t.config().max_n == 40
    time.sleep(0.3)
    fast = permits_in(1.0)  # about 40
    t.stop()
    _drain(results, 2)
    assert fast >= 3 * max(slow, 1), (slow, fast)


def test_emit_from_workers_with_auto_emit_off(throttles, processes):
    ctx = multiprocessing.get_context("spawn")
    t = throttles(50, 1, auto_emit=False)
    results = ctx.Queue()
    p = ctx.Process(target=tl_workers.take_and_emit, args=(t, results, 5))
    processes(p)
    p.start()
    t.start()
    assert results.get(timeout=20) == ("emitted", 5)
    p.join(10)
    assert t.stop().total == 5


def test_python_workers_are_listed_by_inspect(throttles, processes, name):
    ctx = multiprocessing.get_context("fork")
    t = throttles(20, 1, name=name)
    results = ctx.Queue()
    workers = [ctx.Process(target=tl_workers.count_permits, args=(t, results))
               for _ in range(2)]
    for w in workers:
        processes(w)
        w.start()
    t.start()
    time.sleep(0.5)
    listed = support.inspect(name)["workers"]
    pids = {w["pid"] for w in listed}
    assert {w.pid for w in workers} <= pids
    assert all(w["grants"] >= 0 and w["state"] in ("idle", "waiting", "working") for w in listed)
    assert t.stats().workers == len(listed)
    t.stop()
    _drain(results, 2)


def test_a_forked_child_that_exits_normally_leaves_the_owner_running(processes):
    # os.fork directly (no multiprocessing), and the child ends through sys.exit, so its
    # atexit handlers run: they must not end the parent's helpers, and the child must not
    # touch the parent's C objects.
    program = support.Program("""
import os, sys, throttlelab
t = throttlelab.Throttle(50, 1)
t.start()
pid = os.fork()
if pid == 0:
    ok = t.is_owner is False and t.await_fuel(5)
    sys.exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
      else status >> 8)
print("owner", t.is_owner, t.stats().running, t.await_fuel(5))
print("total", t.stop().total)
""")
    processes(program)
    assert program.line() == "child 0"
    assert program.line() == "owner True True True"
    assert program.line() == "total 2"
    assert program.wait() == 0


def test_waiters_are_served_in_turn_with_sliced_waits(throttles):
    # Three workers at 2 permits per second, each waiting in 0.2 s slices (to stay
    # interruptible): each gets about a third. A wait that comes straight back after a timeout
    # keeps its place in the oldest-first order; without that one worker got nothing.
    ctx = multiprocessing.get_context("fork")
    t = throttles(2, 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=tl_workers.count_permits, args=(t, results))
               for _ in range(3)]
    for w in workers:
        w.start()
    t.start()
    time.sleep(3.0)
    t.stop()
    counts = sorted(n for _, n in _drain(results, 3))
    for w in workers:
        w.join(10)
    assert min(counts) >= 1, counts
    # Who attaches first after start() may take the first banked permits: a little slack.
    assert max(counts) - min(counts) <= 3, counts
