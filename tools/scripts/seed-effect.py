#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Measure what 6274de4 ("kprobes: Support delayed unoptimizing") changed, on the
scenarios of scenarios/compare/, with `kpsim compare`, and write docs/seed-effect.md
(to stdout) and its plot (an SVG file).

Usage: python3 tools/scripts/seed-effect.py KPSIM [SVG]
  KPSIM  the kpsim binary (build/tools/kpsim)
  SVG    where to write the plot (default docs/seed-effect.svg)
"""
import json
import math
import os
import subprocess
import sys

SIZES = (1, 10, 100, 1000)
OPERATIONS = (
    ("disable", "disable them one by one"),
    ("unregister", "unregister them in one batch"),
    ("sysctl", "write 0 to the sysctl"),
    ("debugfs", "write 0 to debugfs `enabled`"),
)
MODELS = ("6274de4^", "6274de4")
SCENARIOS = "scenarios/compare"
COMMAND = "python3 tools/scripts/seed-effect.py build/tools/kpsim > docs/seed-effect.md"


def measure(kpsim):
    """{(op, n): {model: run}} from `kpsim compare --format json`."""
    out = {}
    for op, _ in OPERATIONS:
        for n in SIZES:
            path = os.path.join(SCENARIOS, f"{op}-{n}.kps")
            proc = subprocess.run(
                [kpsim, "compare", "--format", "json", "--model", MODELS[0],
                 "--model", MODELS[1], path],
                check=True, capture_output=True, text=True)
            runs = json.loads(proc.stdout)["runs"]
            out[(op, n)] = {r["model"]: r for r in runs}
    return out


def measured_op(run, op):
    """The costs of the measured operation (the one after the first sleep)."""
    ops = run["operations"]
    # register, sleep, the measured operation(s), sleep
    measured = ops[2:-1]
    total = {k: sum(o["costs"][k] for o in measured) for k in measured[0]["costs"]}
    return total


def table(data):
    lines = [
        "| operation | N | caller stop_machine (parent / seed) | caller grace periods "
        "(parent / seed) | caller blocked steps (parent / seed) | optimizer stop_machine "
        "(parent / seed) | total stop_machine (parent / seed) | total grace periods "
        "(parent / seed) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op, what in OPERATIONS:
        for n in SIZES:
            runs = data[(op, n)]
            a, b = runs[MODELS[0]], runs[MODELS[1]]
            ca, cb = measured_op(a, op), measured_op(b, op)
            lines.append(
                f"| {what} | {n} | {ca['stop_machines']} / {cb['stop_machines']} | "
                f"{ca['grace_periods']} / {cb['grace_periods']} | "
                f"{ca['blocked_steps']} / {cb['blocked_steps']} | "
                f"{a['kernel']['stop_machines']} / {b['kernel']['stop_machines']} | "
                f"{a['stop_machines']} / {b['stop_machines']} | "
                f"{a['grace_periods']} / {b['grace_periods']} |")
    return "\n".join(lines)


def plot(data, path):
    """Caller-path stop_machine calls against N, log-log, one line per port and operation."""
    w, h, left, right, top, bottom = 720, 420, 70, 230, 30, 50
    pw, ph = w - left - right, h - top - bottom
    ymax = max(1, max(measured_op(data[(op, n)][m], op)["stop_machines"]
                      for op, _ in OPERATIONS for n in SIZES for m in MODELS))
    ytop = 10 ** math.ceil(math.log10(ymax + 1))

    def x(n):
        return left + pw * math.log10(n) / math.log10(SIZES[-1])

    def y(v):
        # log scale with 0 drawn on the axis: log10(1 + v)
        return top + ph - ph * math.log10(1 + v) / math.log10(1 + ytop)

    colours = {"disable": "#1f77b4", "unregister": "#ff7f0e", "sysctl": "#2ca02c",
               "debugfs": "#d62728"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18">stop_machine calls in the caller\'s path against N '
           f'(log-log; solid: parent 6274de4^, dashed: 6274de4)</text>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>']
    for n in SIZES:
        out.append(f'<line x1="{x(n):.1f}" y1="{top + ph}" x2="{x(n):.1f}" y2="{top + ph + 5}" '
                   f'stroke="black"/><text x="{x(n):.1f}" y="{top + ph + 18}" '
                   f'text-anchor="middle">{n}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{h - 8}" text-anchor="middle">N (optimized '
               f'probes)</text>')
    v = 0
    while v <= ytop:
        out.append(f'<line x1="{left - 5}" y1="{y(v):.1f}" x2="{left}" y2="{y(v):.1f}" '
                   f'stroke="black"/><text x="{left - 8}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v}</text>')
        v = 1 if v == 0 else v * 10
    row = 0
    for op, what in OPERATIONS:
        for m, dash in ((MODELS[0], ""), (MODELS[1], ' stroke-dasharray="6,4"')):
            pts = " ".join(f"{x(n):.1f},{y(measured_op(data[(op, n)][m], op)['stop_machines']):.1f}"
                           for n in SIZES)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colours[op]}" '
                       f'stroke-width="2"{dash}/>')
            ly = top + 10 + 18 * row
            out.append(f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 45}" y2="{ly}" '
                       f'stroke="{colours[op]}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{left + pw + 50}" y="{ly + 4}">{op} ({m})</text>')
            row += 1
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def coincide(data):
    """Say so when the four operations' lines lie on top of each other in the plot."""
    out = []
    for m, name in zip(MODELS, ("parent's", "seed's")):
        series = {tuple(measured_op(data[(op, n)][m], op)["stop_machines"] for n in SIZES)
                  for op, _ in OPERATIONS}
        if len(series) == 1:
            out.append(f"the {name} four lines coincide ({', '.join(map(str, series.pop()))} "
                       f"for N = {', '.join(map(str, SIZES))})")
    return ("\nIn the plot " + " and ".join(out) + ".\n") if out else ""


def findings(data):
    """Statements that follow from the numbers, checked against them."""
    out = []
    big = SIZES[-1]
    for op, what in OPERATIONS:
        a = data[(op, big)][MODELS[0]]
        b = data[(op, big)][MODELS[1]]
        ca, cb = measured_op(a, op), measured_op(b, op)
        moved = ca["stop_machines"] > cb["stop_machines"]
        line = (f"- **{what}**, N = {big}: the caller makes {ca['stop_machines']} "
                f"stop_machine call(s) on the parent and {cb['stop_machines']} with the seed")
        if moved:
            line += ("; the seed's claim holds for the caller's path: the jump removals "
                     "left it")
        elif ca["stop_machines"] == cb["stop_machines"]:
            line += "; no change in the caller's path"
        else:
            line += "; the seed costs the caller more"
        kb = b["kernel"]["stop_machines"] - a["kernel"]["stop_machines"]
        line += (f". In total the run makes {a['stop_machines']} (parent) and "
                 f"{b['stop_machines']} (seed) stop_machine calls")
        if b["stop_machines"] >= a["stop_machines"] and kb > 0:
            line += (f": the optimizer does {kb} more, one per removed jump, so the removals "
                     f"are moved, not batched")
        elif b["stop_machines"] < a["stop_machines"]:
            line += ": fewer in all"
        line += "."
        if op in ("sysctl", "debugfs") and cb["blocked_steps"] == 0 < ca["blocked_steps"]:
            line += (" The seed's caller does not wait at all: the optimizer's completion "
                     "is already done, so the write returns while the jumps are still in "
                     "place (the A7 and A5 defects of scenarios/sysctl/off-leaves-jump.kps "
                     "and scenarios/debugfs/disarm-leaves-jump.kps).")
        ends_a = a["probes"][0]["text"]
        ends_b = b["probes"][0]["text"]
        if ends_a != ends_b:
            line += (f" The text at a probe ends as `{ends_a}` on the parent and `{ends_b}` "
                     f"with the seed")
            if ends_b.startswith("cc") and op == "debugfs":
                line += (": the seed's optimizer removes the jump but leaves the int3, "
                         "because do_unoptimize_kprobes() disarms only DISABLED probes")
            line += "."
        out.append(line)
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    kpsim = sys.argv[1]
    svg = sys.argv[2] if len(sys.argv) > 2 else "docs/seed-effect.svg"
    data = measure(kpsim)
    plot(data, svg)
    print(f"""# What the seed changed, measured

Generated by `{COMMAND}`, which also writes
`docs/seed-effect.svg`; the test suite checks that this file is what that command prints
today.

The seed, 6274de4984a6 "kprobes: Support delayed unoptimizing", says that delaying
unoptimization "can avoid unexpected system slowdown coming from stop_machine()": the
jump removal leaves the caller of `disable_kprobe()`, `unregister_kprobes()` and the
global switches, and the optimizer does it later.  Each row below is one scenario of
`{SCENARIOS}/` (N optimized probes in N functions of a generated image; written by
`tools/scripts/gen-compare.py`) run once on each port with `kpsim compare` (the first
strategy's schedule).  "Caller" is the task that calls the operation (the costs of that
call alone); "optimizer" is the kernel's kworkers over the whole run; "total" is the
whole run, including the N jumps put in at the start.  These scenarios run without the
invariant checker (their per-step checks would grow with N); the same operations with
the checker on are in `scenarios/sysctl/`, `scenarios/debugfs/` and
`scenarios/delayed-unoptimize/`, which show the seed returning from the sysctl and
debugfs writes while a jump is still in place (A5, A7).

{table(data)}

![caller-path stop_machine calls against N](seed-effect.svg)
{coincide(data)}

What the numbers say:

{findings(data)}
""")


if __name__ == "__main__":
    main()
