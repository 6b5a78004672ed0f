"""Where the built library and executables are, for the tests and every process they start,
and small helpers for running throttlectl and separate Python programs.

The build tree is THROTTLELAB_BUILD_DIR (ctest sets it) or <repo>/build. Its library is named
by THROTTLELAB_LIBRARY and its bin/ by THROTTLELAB_BIN_DIR (where the library looks for
throttlelab-helper) in this process's environment, so child Python programs, Pool workers
under spawn and throttlectl all use the same build. Nothing is mocked: every test runs real
throttle, monitor and worker processes.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "python"
BUILD = Path(os.environ.get("THROTTLELAB_BUILD_DIR") or REPO / "build").resolve()
LIBRARY = BUILD / "lib" / "libthrottlelab.so"
BIN = BUILD / "bin"
THROTTLECTL = BIN / "throttlectl"
# The interpreter that runs pytest runs the child programs too (Debian's /usr/bin/python3
# under ctest): another python3 on PATH may lack what this one has.
PYTHON = sys.executable

for _needed in (LIBRARY, BIN / "throttlelab-helper", THROTTLECTL):
    if not _needed.exists():
        pytest.exit("tests/python: %s is missing: build the targets throttlelab_c, "
                    "throttlelab-helper and throttlectl first (build tree: %s; set "
                    "THROTTLELAB_BUILD_DIR for another)" % (_needed, BUILD), returncode=3)

os.environ["THROTTLELAB_LIBRARY"] = str(LIBRARY)
os.environ["THROTTLELAB_BIN_DIR"] = str(BIN)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(PYTHON_DIR)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

SIGKILL = signal.SIGKILL
SIGINT = signal.SIGINT


def throttlectl(*args, timeout=20, check=True):
    """Runs throttlectl from the build tree; returns the CompletedProcess."""
    result = subprocess.run([str(THROTTLECTL)] + [str(a) for a in args], capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("throttlectl %s exited %d: %s" % (" ".join(map(str, args)),
                                                               result.returncode,
                                                               result.stderr.strip()))
    return result


def inspect(name):
    """`throttlectl inspect NAME --json`, parsed."""
    return json.loads(throttlectl("inspect", name, "--json").stdout)


def pid_gone(pid):
    """True when `pid` no longer runs. A zombie counts as gone: it has ended, and whether
    anyone reaps it (a container's init may not) is not the throttle's doing."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_until(condition, timeout, interval=0.05):
    """Polls `condition` until it is true or `timeout` seconds passed; returns its last value.
    Bounds are generous: the machine is shared and noisy."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Program:
    """A separate Python program (the tests' interpreter) whose output lines are read with a
    deadline: a thread moves them to a queue, so a program that hangs fails the test instead
    of blocking it."""

    def __init__(self, source, *args, **popen_args):
        self.process = subprocess.Popen(
            [PYTHON, "-c", source] + [str(a) for a in args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen_args)
        self.pid = self.process.pid
        self._lines = queue.Queue()
        self._errors = []
        threading.Thread(target=self._pump, args=(self.process.stdout, self._lines.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, self._errors.append),
                         daemon=True).start()

    @staticmethod
    def _pump(stream, put):
        for line in stream:
            put(line.rstrip("\n"))
        put(None)

    def line(self, timeout=20):
        """The next line printed, within `timeout` seconds."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no output within %s s; stderr: %s" % (timeout, self.stderr()))
        if line is None:
            raise AssertionError("the program ended (status %s); stderr: %s"
                                 % (self.process.wait(10), self.stderr()))
        return line

    def stderr(self):
        return "\n".join(l for l in self._errors if l is not None)

    def send_signal(self, sig):
        self.process.send_signal(sig)

    def wait(self, timeout=20):
        return self.process.wait(timeout)

    def end(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
