"""One budget shared between machines from Python: Throttle(backend=..., on_backend_loss=...)
and Throttle.backend(), against a real redis-server on a Unix socket. Two throttles of this
process, each with its own segment and throttle process, stand for two machines on one key."""

import json
import math
import shutil
import subprocess
import time

import pytest

import support


@pytest.fixture
def redis(tmp_path):
    """A real redis-server on a Unix socket in this test's folder, no persistence; yields the
    socket's path and is killed at the end."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing (scripts/setup.sh installs it)")
    sock = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.02)
        yield str(sock)
    finally:
        process.kill()
        process.wait(10)


def url_of(sock, key):
    return "redis+unix://%s?key=%s" % (sock, key)


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    return condition()


def test_two_machines_share_one_window_and_see_each_other(redis, throttles, name):
    name = name[:60]  # room for the machines' suffixes within the 64 a name may have
    url = url_of(redis, name)
    a = throttles(10, 1, hardcap="window", backend=url, name=name + "-a")
    b = throttles(10, 1, hardcap="window", backend=url, on_backend_loss="local",
                  name=name + "-b")
    a.start()
    b.start()
    for t, policy in ((a, "closed"), (b, "local")):
        info = wait_for(lambda: (t.backend() if t.backend() and t.backend().state == "connected"
                                 and t.backend().machines == 2 else None))
        assert info is not None, t.backend()
        assert info.url == url
        assert info.policy == policy  # closed is the window hardcap's default
    # Taking from both for about 1.5 s. Redis logs each permit up to 20 ms after it is taken
    # here, never before, so a stretch of L seconds holds at most ceil((L + 0.02) / per)
    # windows' budget: 20 for 1.5 s, where two throttles of their own would grant about 50.
    # L is measured after the loop, so a stalled test only widens the bound.
    taken = {"a": 0, "b": 0}
    start = time.monotonic()
    while time.monotonic() - start < 1.5:
        taken["a"] += a.has_fuel()
        taken["b"] += b.has_fuel()
        time.sleep(0.001)
    stretch = time.monotonic() - start
    assert taken["a"] + taken["b"] <= 10 * math.ceil(stretch + 0.02), (taken, stretch)
    assert taken["a"] > 0 and taken["b"] > 0, taken
    info = a.backend()
    assert info.calls > 0 and info.leased > 0 and info.error == ""

    # throttlectl inspect on the Python-owned throttle lists both machines through Redis.
    def both_listed():
        out = support.throttlectl("inspect", name + "-a", "--json").stdout
        machines = json.loads(out)["backend"].get("budget", {}).get("machines", [])
        return len({m["machine"] for m in machines if m["live"]}) == 2
    assert wait_for(both_listed)


def test_a_throttle_of_this_machine_has_no_backend(throttles):
    t = throttles(5, 1)
    assert t.backend() is None  # before the start
    t.start()
    assert t.backend() is None


@pytest.mark.parametrize("keywords, mentions", [
    ({"backend": "http://localhost/?key=k"}, "redis://"),
    ({"backend": "redis://127.0.0.1:6379/0?key=k", "mode": "classic"}, "exact"),
    ({"backend": "redis://127.0.0.1:6379/0?key=k", "on_backend_loss": "sometimes"},
     "'closed', 'open', 'local'"),
    ({"backend": 5}, "backend must be a string"),
])
def test_bad_backend_options_are_named(keywords, mentions):
    import throttlelab
    with pytest.raises(ValueError) as e:
        throttlelab.Throttle(5, 1, **keywords)
    assert mentions in str(e.value)
