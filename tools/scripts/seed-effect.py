#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Measure what 6274de4 ("kprobes: Support delayed unoptimizing") changed, on the
scenarios of scenarios/compare/, with `kpsim compare`, and write docs/seed-effect.md
(to stdout) and its plot (an SVG file).  The batched rows measure the variants of the
rest of the seed's series (model/variants/) on the same scenarios.

Usage: python3 tools/scripts/seed-effect.py [--model NAME]... KPSIM [SVG]
  --model NAME  a variant to measure in the batched rows, in order (default:
                batch-optimize, then batch-unoptimize)
  KPSIM         the kpsim binary (build/tools/kpsim)
  SVG           where to write the plot (default docs/seed-effect.svg)
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
# The seed's series after it, as variants: the batched rows (--model replaces them).
BATCHED = ("batch-optimize", "batch-unoptimize")
# arch/x86/kernel/kprobes.c from cd7ebe2298ff on: the most jumps one batch writes.
MAX_OPTIMIZE_PROBES = 256
SCENARIOS = "scenarios/compare"
COMMAND = "python3 tools/scripts/seed-effect.py{models} build/tools/kpsim > docs/seed-effect.md"


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


def measure_batched(kpsim, models):
    """{(op, n): {model: run}} for the seed and each variant, from `kpsim compare`."""
    out = {}
    for op, _ in OPERATIONS:
        for n in SIZES:
            path = os.path.join(SCENARIOS, f"{op}-{n}.kps")
            runs = {}
            for m in models:
                proc = subprocess.run(
                    [kpsim, "compare", "--format", "json", "--model", MODELS[1],
                     "--model", m, path],
                    check=True, capture_output=True, text=True)
                for r in json.loads(proc.stdout)["runs"]:
                    runs[r["model"]] = r
            out[(op, n)] = runs
    return out


def ending(run):
    """How a run ended, in a word or two."""
    v = run["verdict"]
    if v == "pass":
        return "pass"
    if "violation deadlock" in v:
        return "**deadlock**"
    return v.split(":")[0]


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


def batched_table(data, models):
    names = " / ".join(("seed",) + tuple(models))
    lines = [
        f"| operation | N | caller stop_machine ({names}) | optimizer stop_machine "
        f"({names}) | total stop_machine ({names}) | run ends ({names}) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    order = (MODELS[1],) + tuple(models)
    for op, what in OPERATIONS:
        for n in SIZES:
            runs = data[(op, n)]
            caller = " / ".join(str(measured_op(runs[m], op)["stop_machines"]) for m in order)
            kern = " / ".join(str(runs[m]["kernel"]["stop_machines"]) for m in order)
            total = " / ".join(str(runs[m]["stop_machines"]) for m in order)
            ends = " / ".join(ending(runs[m]) for m in order)
            lines.append(f"| {what} | {n} | {caller} | {kern} | {total} | {ends} |")
    return "\n".join(lines)


def batched_findings(data, models):
    """What the batched rows say, checked against them."""
    out = []
    last = models[-1]
    below = max(n for n in SIZES if n <= MAX_OPTIMIZE_PROBES)
    above = [n for n in SIZES if n > MAX_OPTIMIZE_PROBES]
    for op, what in OPERATIONS:
        runs = data[(op, below)]
        seed, b = runs[MODELS[1]], runs[last]
        cs, cb = measured_op(seed, op), measured_op(b, op)
        line = (f"- **{what}**, N = {below}: the caller makes {cs['stop_machines']} "
                f"stop_machine call(s) with the seed and {cb['stop_machines']} with {last}; "
                f"the whole run makes {seed['stop_machines']} with the seed and "
                f"{b['stop_machines']} with {last}")
        if b["stop_machines"] < seed["stop_machines"] and cb["stop_machines"] <= cs["stop_machines"]:
            line += (f": one stop_machine installs the {below} jumps and one removes them, "
                     f"where the seed stops the machine once per jump"
                     if b["stop_machines"] == 2 else ": fewer in all")
        line += "."
        out.append(line)
    if len(models) > 1:
        first = models[0]
        runs = data[(OPERATIONS[0][0], below)]
        kf = runs[first]["kernel"]["stop_machines"]
        if kf == below + 1:
            out.append(f"- {first} alone batches only the installation: at N = {below} its "
                       f"optimizer makes {kf} stop_machine calls, one for the {below} jumps "
                       f"and one per removed jump, as the seed's.")
    for n in above:
        dead = [what for op, what in OPERATIONS
                if all(ending(data[(op, n)][m]) == "**deadlock**" for m in models)]
        line = (f"- N = {n}: a batch holds at most {MAX_OPTIMIZE_PROBES} jumps "
                f"(MAX_OPTIMIZE_PROBES), so the optimizer's first run installs "
                f"{MAX_OPTIMIZE_PROBES} of the {n} and kicks itself for the rest "
                f"OPTIMIZE_DELAY (5) jiffies later; "
                f"the operation, 6 jiffies after the registration, comes between the two "
                f"runs.  It finds {MAX_OPTIMIZE_PROBES} probes optimized and the others still "
                f"queued, which it only dequeues: the batched rows at N = {n} remove "
                f"{MAX_OPTIMIZE_PROBES} jumps, not {n}")
        if dead:
            line += (f".  {' and '.join(w[0].upper() + w[1:] for w in dead)} deadlocks: "
                     f"a run that leaves probes queued does not complete optimizer_comp, "
                     f"so the handler, which holds kprobe_mutex, waits for a run that needs "
                     f"kprobe_mutex (scenarios/findings/sysctl-off-deadlocks-batch-leftover.kps; "
                     f"the seed deadlocks so only before its first run, docs/findings.md "
                     f"cause 2)")
        line += "."
        out.append(line)
    return "\n".join(out)


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
    args = sys.argv[1:]
    models = []
    while args and args[0] == "--model":
        if len(args) < 2:
            sys.exit(__doc__)
        models.append(args[1])
        args = args[2:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    kpsim = args[0]
    svg = args[1] if len(args) > 1 else "docs/seed-effect.svg"
    command = COMMAND.format(models="".join(f" --model {m}" for m in models))
    models = tuple(models) or BATCHED
    data = measure(kpsim)
    batched = measure_batched(kpsim, models)
    plot(data, svg)
    print(f"""# What the seed changed, measured

Generated by `{command}`, which also writes
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

## Batched: the rest of the series

The seed's changelog also says that it will "unoptimize several probes at once by using
text_poke_smp_batch()".  At the seed itself the optimizer still removes the jumps one
`text_poke_smp()`, so one stop_machine, at a time (the totals above): the batching came
one and two commits later in the same series, "kprobes: Use text_poke_smp_batch for optimizing" (cd7ebe2298ff, variant
`batch-optimize`) and "... for unoptimizing" (f984ba4eb575, variant `batch-unoptimize`),
over `text_poke_smp_batch()` (7deb18dcf047), which writes up to
{MAX_OPTIMIZE_PROBES} jumps under one stop_machine.  (The last variant of the series,
`this-cpu-ops`, v2.6.38's code, measures as `batch-unoptimize`.)  The same scenarios,
each run once on the seed and on each variant with `kpsim compare`:

{batched_table(batched, models)}

What the batched rows say:

{batched_findings(batched, models)}
""")


if __name__ == "__main__":
    main()
