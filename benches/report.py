#!/usr/bin/env python3
"""Medians and ratios from the last `cargo bench -p benches` run, as a Markdown table.

Reads criterion's estimates (target/criterion/<group>/<bench>/new/estimates.json) and, for
each group, prints every bench's median and its ratio to ours: "x3.2" means the peer takes
3.2 times as long as ours (above 1: ours is faster). Run from the workspace root:

    cargo bench -p benches && python3 benches/report.py
"""

import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"

# Which bench in a group is "ours" (the first that exists is the reference).
OURS = ("ours", "ours_view")


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def load():
    groups = {}
    for dirpath, _dirs, files in os.walk(ROOT):
        if "estimates.json" not in files or not dirpath.endswith(os.sep + "new"):
            continue
        bench_dir = os.path.dirname(dirpath)
        with open(os.path.join(bench_dir, "new", "benchmark.json")) as f:
            meta = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        group = meta["group_id"]
        name = meta["function_id"] or meta.get("value_str") or "?"
        # A parameterised bench (e.g. mixer_tick/ours/10) is its own group: ratios only
        # compare benches run on the same parameter.
        if meta["function_id"] and meta.get("value_str"):
            group = f"{group}/{meta['value_str']}"
        tp = meta.get("throughput") or {}
        groups.setdefault(group, []).append((name, est["median"]["point_estimate"], tp))
    return groups


def rate(ns, tp):
    elems = tp.get("Elements")
    if not elems:
        return ""
    per_s = elems / (ns * 1e-9)
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M/s"
    return f"{per_s / 1e3:.1f} k/s"


def main():
    groups = load()
    if not groups:
        sys.exit(f"no criterion results under {ROOT}; run `cargo bench -p benches` first")
    print("| group | bench | median | rate | vs ours |")
    print("|---|---|---:|---:|---:|")
    for group in sorted(groups):
        rows = groups[group]
        ref = next((t for n, t, _ in rows if n in OURS), None)
        order = {n: i for i, n in enumerate(OURS)}
        rows.sort(key=lambda r: (order.get(r[0], len(OURS)), r[1]))
        for name, ns, tp in rows:
            ratio = f"x{ns / ref:.2f}" if ref else ""
            print(f"| {group} | {name} | {fmt_time(ns)} | {rate(ns, tp)} | {ratio} |")


if __name__ == "__main__":
    main()
