"""examples/tutorial.py, mp_throttle's tutorial with only its import changed, prints figures
that are right: 4 permits per second, the first at once."""

import json
import os
import subprocess

import support

SECONDS = 4  # the tutorial's 5, shortened; long enough for the first permit to be < 10 %


def test_tutorial_figures():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # it finds the package
    result = subprocess.run(
        [support.PYTHON, str(support.REPO / "examples" / "tutorial.py"),
         "--seconds", str(SECONDS)],
        env=env, capture_output=True, text=True, timeout=60, cwd=str(support.REPO))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    # The reference's four lines come first, in its words.
    assert lines[0].startswith("Runtime: ") and lines[1].startswith("Total: ")
    assert lines[2].startswith("Time between processes: ")
    assert lines[3].startswith("Processes per second: ")
    assert int(lines[1].split(": ")[1]) == figures["total"]
    # 4 per second plus the first permit, granted at once: 17 in 4 s (21 in the tutorial's 5).
    assert 4 * SECONDS <= figures["total"] <= 4 * SECONDS + 2, figures
    assert abs(figures["mean_permits_per_second"] - 4) <= 0.4, figures  # within 10 % of 4/s
    assert abs(figures["runtime"] - SECONDS) < 1.0, figures
    assert abs(figures["mean_seconds_per_permit"] * figures["total"] - figures["runtime"]) < 1e-6
    # Part 2 printed latest() and mean() pairs every 0.5 s, as plain tuples; by its end the
    # latest window holds 4 permits of the last second.
    pairs = [l for l in lines[4:-1] if l.startswith("(")]
    assert len(pairs) == 2 * (SECONDS * 2)
    assert figures["part2_latest"][1] in (3.0, 4.0, 5.0), figures
    assert abs(figures["part2_mean"][1] - 4) <= 0.8, figures
