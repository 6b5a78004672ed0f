"""The package next to throttlectl on the same throttle: the statistics Python reads are the
ones `throttlectl inspect` shows, Python joins a throttle throttlectl runs, and a Python owner
leaves no process behind however it ends (normally, SIGKILL) and answers Ctrl-C."""

import json
import math
import multiprocessing
import os
import subprocess
import time

import pytest

import support
import throttlelab
import tl_workers


def _same(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_stats_match_inspect(throttles, processes, name):
    ctx = multiprocessing.get_context("fork")
    t = throttles(20, 1, name=name, hardcap="one")
    results = ctx.Queue()
    workers = [ctx.Process(target=tl_workers.count_permits, args=(t, results))
               for _ in range(2)]
    for w in workers:
        processes(w)
        w.start()
    t.start()
    time.sleep(1.2)
    t.stop()
    for _ in workers:
        results.get(timeout=20)
    for w in workers:
        w.join(10)
    # Stopped, the figures no longer move: both readers must see exactly the same.
    s = t.stats()
    shown = support.inspect(name)
    st, run, config = shown["stats"], shown["run"], shown["config"]
    assert s.total == st["total"] >= 20
    assert s.max_in_window == st["max_in_window"]
    assert s.overflow == st["overflow"] == 0
    assert _same(s.runtime_s, st["runtime_s"])
    for ours, key in ((s.latest, "latest"), (s.mean, "mean"), (s.hi_lo, "hi_lo"),
                      (s.lo_hi, "lo_hi")):
        assert _same(ours.seconds_per_permit, st[key]["interval_s"]), key
        assert _same(ours.permits_per_second, st[key]["rate"]), key
    assert (t.latest(), t.mean(), t.hi_lo(), t.lo_hi()) == (s.latest, s.mean, s.hi_lo, s.lo_hi)
    assert s.latest_count == st["latest"]["count"]
    for p in ("gap_p50_s", "gap_p90_s", "gap_p99_s"):
        assert _same(getattr(s, p), st[p]), p
    assert _same(s.target_rate, config["target_rate"]) and s.target_rate == 20
    assert s.killed is run["killed"] is True
    assert s.running is False
    c = t.config()
    assert (c.max_n, c.per, c.hardcap, c.mode, c.correction, c.rf_rate, c.auto_emit) == (
        config["max_n"], config["per"], config["hardcap"], config["mode"],
        config["correction"], config["rf_rate"], config["auto_emit"])
    # and stop()'s tuple is the same run
    runtime, total, spp, pps = t.stop()
    assert total == s.total and _same(runtime, s.runtime_s)
    assert _same(pps, s.mean.permits_per_second) and _same(spp, s.mean.seconds_per_permit)


def test_attach_to_a_throttle_throttlectl_runs(processes, name):
    ctl = subprocess.Popen([str(support.THROTTLECTL), "run", "--name", name, "--max-n", "20",
                            "--workers", "0", "--duration", "30", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    processes(ctl)
    worker = throttlelab.attach(name)  # may be before throttlectl has made it: joins lazily
    assert worker.is_owner is False and worker.name == name
    assert worker.await_fuel(20)  # waits for throttlectl's start, then takes a permit
    for _ in range(4):
        assert worker.await_fuel(5)
    listed = support.inspect(name)["workers"]
    mine = [w for w in listed if w["pid"] == os.getpid()]
    assert mine and mine[0]["grants"] == 5
    assert worker.stats().workers == len(listed)
    assert worker.config().max_n == 20
    with pytest.raises(throttlelab.ThrottleError, match="owner"):
        worker.start()
    # A worker's stop() asks the owner to stop, as `throttlectl stop` does.
    runtime, total, _, _ = worker.stop()
    assert worker.kill_flag.is_set()
    out, err = ctl.communicate(timeout=20)
    assert ctl.returncode == 0, err
    assert json.loads(out)["total"] == 5
    worker.close()


def test_attach_refuses_a_malformed_name():
    with pytest.raises(ValueError, match="name"):
        throttlelab.attach("not a name")


_OWNER_PROGRAM = """
import sys, time, throttlelab
t = throttlelab.Throttle(5, 1, name=sys.argv[1])
t.start()
print("started", flush=True)
if sys.argv[2] == "sleep":
    time.sleep(120)
"""


def _helper_pids(name, owner_pid):
    run = support.inspect(name)["run"]
    assert run["owner_pid"] == owner_pid
    pids = [run["throttle_pid"], run["monitor_pid"]]
    assert all(pid > 0 for pid in pids)
    return pids


_WORKER_PROGRAM = """
import sys, throttlelab
tank = throttlelab.attach(sys.argv[1])
print("attached", flush=True)
granted = 0
while not tank.kill_flag.is_set():
    granted += tank.await_fuel()
print("ended", granted > 0, flush=True)
"""


def test_sigkilled_program_leaves_no_process_behind(processes, name):
    program = support.Program(_OWNER_PROGRAM, name, "sleep")
    processes(program)
    assert program.line() == "started"
    helpers = _helper_pids(name, program.pid)
    assert not any(support.pid_gone(pid) for pid in helpers)
    worker = support.Program(_WORKER_PROGRAM, name)
    processes(worker)
    assert worker.line() == "attached"
    assert support.wait_until(lambda: support.inspect(name)["stats"]["total"] >= 2, 10)
    program.send_signal(support.SIGKILL)
    program.wait()
    assert support.wait_until(lambda: all(support.pid_gone(pid) for pid in helpers), 15), \
        "helpers %r outlived their SIGKILLed owner" % helpers
    # The worker's tutorial loop ends too: after the owner's death the kill flag reads set.
    assert worker.line(timeout=15) == "ended True"
    assert worker.wait() == 0
    # Its segment is left behind (nobody could unlink it); the next owner of the name
    # reclaims it, or `throttlectl remove` does.
    support.throttlectl("remove", name, check=False)


def test_program_end_ends_the_helpers_and_frees_the_name(processes, name):
    program = support.Program(_OWNER_PROGRAM + "\nt.await_fuel(5)\nprint('leaving', flush=True)\n"
                              "time.sleep(0.5)\n", name, "stay")
    processes(program)
    assert program.line() == "started"
    helpers = _helper_pids(name, program.pid)
    assert program.line() == "leaving"
    assert program.wait() == 0  # atexit destroyed the owner: its helpers ended with it
    assert support.wait_until(lambda: all(support.pid_gone(pid) for pid in helpers), 15)
    again = throttlelab.Throttle(4, 1, name=name)
    try:
        again.start()  # the name is free
    finally:
        again.close()


def test_ctrl_c_interrupts_waits_without_a_timeout(processes):
    program = support.Program("""
import throttlelab
t = throttlelab.Throttle(1, 60)
t.start()
t.await_fuel()  # the only permit for a minute
for what, wait in (("await_fuel", t.await_fuel), ("kill_flag.wait", t.kill_flag.wait)):
    print("waiting", flush=True)
    try:
        wait()
        print("returned", flush=True)
    except KeyboardInterrupt:
        print("interrupted", what, flush=True)
""")
    processes(program)
    for what in ("await_fuel", "kill_flag.wait"):
        assert program.line() == "waiting"
        time.sleep(0.5)  # inside the C wait by now
        program.send_signal(support.SIGINT)
        assert program.line(timeout=5) == "interrupted " + what
    assert program.wait() == 0
