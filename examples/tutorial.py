#!/usr/bin/env python3
"""mp_throttle's tutorial, run on ThrottleLab: only the import line differs.

    python3 examples/tutorial.py [--seconds 5] [--start-method fork|spawn|forkserver]

Part 1 throttles a Pool of 4 worker processes to 4 permits per second for 5 seconds and
prints stop()'s four figures: about 21 permits (the first is granted at once, then one every
0.25 s), about 4 per second. Part 2 prints latest() and mean() every 0.5 s while a second run
goes on. The last line is the same figures as one JSON object, for scripts and tests.

From a source tree it needs the built library (build/lib/libthrottlelab.so); installed, it
needs nothing but the package.
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

# Run from a source tree: use the package in <repo>/python/ without installing it. (An
# installed package is found as usual when this folder does not exist.)
_SOURCE_TREE_PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
if os.path.isdir(os.path.join(_SOURCE_TREE_PACKAGE, "throttlelab")):
    sys.path.insert(0, os.path.normpath(_SOURCE_TREE_PACKAGE))

import throttlelab as mp_throttle  # noqa: E402  (the only line that differs from mp_throttle)


def work(tank):
    while not tank.kill_flag.is_set():
        # Block until 'fuel' is available.
        tank.await_fuel()
        # do something and repeat.


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long each part runs (default 5, as in the tutorial)")
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                        help="how the Pool starts its processes (default: the platform's)")
    args = parser.parse_args()
    pools = multiprocessing.get_context(args.start_method)

    # ---- Throttle your processes ----
    throttle = mp_throttle.Throttle(4, 1)
    with pools.Pool(processes=4, initializer=work, initargs=(throttle,)):
        throttle.start()
        time.sleep(args.seconds)
        runtime, total_emissions, mean_time_between_processes, mean_processes_per_second = \
            throttle.stop()
    print("Runtime: {}".format(runtime))
    print("Total: {}".format(total_emissions))
    print("Time between processes: {}".format(mean_time_between_processes))
    print("Processes per second: {}".format(mean_processes_per_second))

    # ---- Get the stats ----
    # The first Pool's workers left their loop at stop(), so this run gets workers of its own
    # and a throttle of its own, as the tutorial's second snippet does.
    throttle = mp_throttle.Throttle(4, 1)
    with pools.Pool(processes=4, initializer=work, initargs=(throttle,)):
        throttle.start()
        for _ in range(max(1, int(round(args.seconds / 0.5)))):
            print(throttle.latest())
            print(throttle.mean())
            time.sleep(0.5)
        final_latest, final_mean = throttle.latest(), throttle.mean()
        throttle.stop()

    print(json.dumps({
        "runtime": runtime,
        "total": total_emissions,
        "mean_seconds_per_permit": mean_time_between_processes,
        "mean_permits_per_second": mean_processes_per_second,
        "target_permits_per_second": 4,
        "seconds": args.seconds,
        "part2_latest": list(final_latest),
        "part2_mean": list(final_mean),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
