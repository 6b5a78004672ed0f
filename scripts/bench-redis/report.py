#!/usr/bin/env python3
"""Turns bench-redis.sh's measurements into the Markdown tables of docs/performance.md."""
import json
import sys


def fmt(x, digits=3):
    return f"{x:,.{digits}f}" if isinstance(x, (int, float)) else str(x)


def main(throttlelab_json, bottleneck_jsonl):
    tl = json.load(open(throttlelab_json))
    points = tl["points"]
    print("### One machine's ceiling through Redis\n")
    print("| mode | permits/s | Redis calls per permit | Redis CPU per permit (us) |")
    print("|---|---|---|---|")
    for p in points:
        if p["target_per_s"] >= 65536 and p["machines"] == 1 and p["workers_per_machine"] == 2:
            what = "exact, leases (2 workers)" if p["mode"] == "exact" else "window, one call per permit (2 workers)"
            print(f"| {what} | {fmt(p['achieved_per_s'], 0)} | {fmt(p['redis_calls_per_permit'], 4)} | "
                  f"{fmt(p['redis_cpu_us_per_permit'], 2)} |")
    print("\n### Achieved/target and the most permits in any 1 s window (per = 1 s, 1 worker per machine)\n")
    print("| tool | setting | target/s | machines or processes | achieved/target | most in any window | Redis CPU per permit (us) |")
    print("|---|---|---|---|---|---|---|")
    for p in points:
        if p["workers_per_machine"] != 1:
            continue
        window = "-" if p["max_in_any_window"] < 0 else f"{int(p['max_in_any_window']):,}"
        err = f" ({p['error']})" if p["error"] else ""
        print(f"| ThrottleLab | {p['mode']} | {int(p['target_per_s']):,} | {p['machines']} | "
              f"{fmt(p['achieved_over_target'], 4)}{err} | {window} | {fmt(p['redis_cpu_us_per_permit'], 1)} |")
    for line in open(bottleneck_jsonl):
        b = json.loads(line)
        print(f"| Bottleneck | {b['variant']} | {int(b['target_per_s']):,} | {b['processes']} | "
              f"{fmt(b['achieved_over_target'], 4)} | {int(b['max_in_any_window']):,} | "
              f"{fmt(b['redis_cpu_us_per_permit'], 1)} |")
    print("\n### Latencies through Redis\n")
    print("| what | samples | p50 | p90 | p99 | max |")
    print("|---|---|---|---|---|---|")
    for key in ("wake_latency", "retune_latency"):
        l = tl[key]
        print(f"| {l['what']} | {l['samples']} | {l['p50_us'] / 1000:.2f} ms | {l['p90_us'] / 1000:.2f} ms | "
              f"{l['p99_us'] / 1000:.2f} ms | {l['max_us'] / 1000:.2f} ms |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
