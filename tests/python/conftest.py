"""Fixtures for the Python package's tests; the build tree and environment are set up by
support.py, imported first so every test (and every process a test starts) uses the build."""

import itertools
import os
import re
import subprocess

import pytest

import support  # first: sets THROTTLELAB_LIBRARY, THROTTLELAB_BIN_DIR and PYTHONPATH

_names = itertools.count(1)


@pytest.fixture
def name(request):
    """A throttle name of this test's own, so tests never share a segment."""
    test = re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)
    return ("pyt-%d-%d-%s" % (os.getpid(), next(_names), test))[:64]


@pytest.fixture
def throttles():
    """Makes Throttle objects that are closed at the end of the test, pass or fail, so no
    test leaves helper processes to the next."""
    import throttlelab

    made = []

    def make(*args, **kwargs):
        t = throttlelab.Throttle(*args, **kwargs)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


@pytest.fixture
def processes():
    """Registers child processes (support.Program, subprocess.Popen or
    multiprocessing.Process) to end at the end of the test if they are still running."""
    started = []
    yield started.append
    for p in started:
        if isinstance(p, support.Program):
            p.end()
        elif isinstance(p, subprocess.Popen):
            if p.poll() is None:
                p.kill()
            p.communicate(timeout=10)
        else:
            if p.is_alive():
                p.kill()
            p.join(10)
