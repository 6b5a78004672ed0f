"""What the tests' worker processes run. A module of its own (not a test file) so that
processes started with `spawn` can import these functions by name; they get the throttle as
an argument, pickled by name, exactly as a user's Pool initializer does. Each reports through
a multiprocessing queue, since a Pool initializer cannot return anything."""

import os


def count_permits(tank, results):
    """The tutorial's loop, counting what it was granted; reports (pid, count)."""
    granted = 0
    while not tank.kill_flag.is_set():
        if tank.await_fuel():
            granted += 1
    results.put((os.getpid(), granted))


def report_then_count(tank, results):
    """Reports what a worker sees before the owner's start(), then counts like
    count_permits."""
    stats = tank.stats()
    results.put(("before", os.getpid(), tank.has_fuel(), tank.kill_flag.is_set(),
                 stats.total, stats.running))
    count_permits(tank, results)


def await_one(tank, results):
    """One await_fuel() without a timeout; reports (pid, result, kill flag after)."""
    results.put(("waiting", os.getpid()))
    granted = tank.await_fuel()
    results.put(("woke", os.getpid(), granted, tank.kill_flag.is_set()))


def wait_for_kill(tank, results, timeout):
    results.put(("waiting", os.getpid()))
    results.put(("kill_flag.wait", os.getpid(), tank.kill_flag.wait(timeout)))


def set_kill_flag(tank, results):
    tank.kill_flag.set()
    results.put(("set", os.getpid()))


def change_max_n(tank, results, max_n):
    results.put(("set", tuple(tank.set(max_n=max_n))))


def take_and_emit(tank, results, count):
    """auto_emit off: takes `count` permits and emits each itself."""
    emitted = 0
    while emitted < count and tank.await_fuel(10):
        tank.emit()
        emitted += 1
    results.put(("emitted", emitted))
