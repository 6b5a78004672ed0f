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
    # One row per tool, setting and target; a column per machine (or process) count, each
    # cell "achieved/target, most permits in any window, Redis CPU us per permit".
    rows = {}
    counts = set()

    def cell(achieved, most, cpu, error=""):
        most_text = "-" if most < 0 else f"{int(most):,}"
        return f"{fmt(achieved, 3)}{' (' + error + ')' if error else ''} / {most_text} / {fmt(cpu, 1)}"

    for p in points:
        if p["workers_per_machine"] != 1:
            continue
        key = ("ThrottleLab", p["mode"], int(p["target_per_s"]))
        rows.setdefault(key, {})[p["machines"]] = cell(
            p["achieved_over_target"], p["max_in_any_window"], p["redis_cpu_us_per_permit"],
            p["error"])
        counts.add(p["machines"])
    for line in open(bottleneck_jsonl):
        b = json.loads(line)
        key = ("Bottleneck", b["variant"], int(b["target_per_s"]))
        rows.setdefault(key, {})[b["processes"]] = cell(
            b["achieved_over_target"], b["max_in_any_window"], b["redis_cpu_us_per_permit"])
        counts.add(b["processes"])
    counts = sorted(counts)
    print("\n### Achieved/target, the most permits in any 1 s window, Redis CPU per permit (us)\n")
    print("Per = 1 s, 1 worker per ThrottleLab machine; a column per machine (ThrottleLab) or "
          "process (Bottleneck) count.\n")
    print("| tool | setting | target/s | " + " | ".join(str(c) for c in counts) + " |")
    print("|---|---|---|" + "---|" * len(counts))
    for (tool, setting, target), cells in rows.items():
        print(f"| {tool} | {setting} | {target:,} | "
              + " | ".join(cells.get(c, "") for c in counts) + " |")
    print("\n### Latencies through Redis\n")
    print("| what | samples | p50 | p90 | p99 | max |")
    print("|---|---|---|---|---|---|")
    for key in ("wake_latency", "retune_latency"):
        l = tl[key]
        print(f"| {l['what']} | {l['samples']} | {l['p50_us'] / 1000:.2f} ms | {l['p90_us'] / 1000:.2f} ms | "
              f"{l['p99_us'] / 1000:.2f} ms | {l['max_us'] / 1000:.2f} ms |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
