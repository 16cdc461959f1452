#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Time to finding: how long each kernel cause takes to show, per engine and seed.

For every seed, each engine fuzzes the seed port on one core for at most --budget
seconds with nothing allowed, and every finding it writes is mapped to its cause by its
signature (tests/data/signature-causes.tsv; a signature the table does not know counts
under its own name).  A cause is found at the first finding of any of its signatures:

  swarm      `kpsim fuzz --seed S --time B --jobs 1 --out DIR`: the finding's run index
             gives the executions before it exactly ((index + 1) x schedules per run);
             its time is when its file was written, minimization of the findings
             before it included, as a user waits for it.
  libfuzzer  `kpsim-fuzz -fork=1 -ignore_crashes=1 -seed=S -max_total_time=B` on the
             seed corpus (the corpus scenarios under 4 KB): the time is when the harness
             wrote the crash's file; executions are interpolated from libFuzzer's own
             progress lines.

It prints a markdown table, one row per cause, with the median and the worst time and
executions over the seeds ("-" where a seed did not find the cause within the budget),
and writes the raw findings to --json.  Wall times are host times: this is a benchmark,
not a test; run it on a quiet machine.

Usage:
  tools/scripts/time-to-finding.py --kpsim build/tools/kpsim \
      [--libfuzzer build-lf/tools/fuzzing/kpsim-fuzz] [--seeds 5] [--budget 600] \
      [--work DIR] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import signature_causes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIG = re.compile(r"^# Signature: (.*)$", re.M)
FOUND = re.compile(r"^# Found by kpsim fuzz: seed \d+, run (\d+)(?:, generator \d+)?, "
                   r"(\d+) ", re.M)
LF_PROGRESS = re.compile(r"^#(\d+)\b.*", re.M)


def causes():
    """signature -> its cause, as the table words it."""
    return {sig: cause for _, sig, cause in signature_causes.rows()}


def swarm(kpsim, seed, budget, work):
    d = work / ("swarm-%d" % seed)
    shutil.rmtree(d, ignore_errors=True)
    start = time.time()
    subprocess.run([kpsim, "fuzz", "--seed", str(seed), "--time", str(budget), "--jobs", "1",
                    "--out", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = []
    for kps in d.glob("*.kps"):
        text = kps.read_text()
        sig, run = SIG.search(text), FOUND.search(text)
        if sig and run:
            found.append({"signature": sig.group(1),
                          "seconds": kps.stat().st_mtime - start,
                          "executions": (int(run.group(1)) + 1) * int(run.group(2))})
    return found


def libfuzzer(binary, seed, budget, work):
    d = work / ("libfuzzer-%d" % seed)
    shutil.rmtree(d, ignore_errors=True)
    seeds, corpus, crashes = d / "seeds", d / "corpus", d / "crashes"
    for p in (seeds, corpus, crashes):
        p.mkdir(parents=True)
    for kps in (ROOT / "scenarios").rglob("*.kps"):
        if kps.stat().st_size <= 4096:
            shutil.copy(kps, seeds / str(kps.relative_to(ROOT)).replace("/", "_"))
    env = dict(os.environ, KPSIM_FUZZ_OUT=str(crashes))
    env.pop("KPSIM_FUZZ_ALLOW", None)
    env.pop("KPSIM_FUZZ_ALLOW_FILE", None)
    log = d / "log"
    start = time.time()
    with open(log, "w") as f:
        subprocess.run([binary, "-fork=1", "-ignore_crashes=1", "-seed=%d" % seed,
                        "-max_total_time=%d" % budget, "-max_len=4096",
                        "-dict=" + str(ROOT / "tools" / "fuzzing" / "kpsim.dict"),
                        "-artifact_prefix=%s/" % d, str(corpus), str(seeds)],
                       stdout=f, stderr=subprocess.STDOUT, cwd=d, env=env)
    end = time.time()
    execs = [int(m.group(1)) for m in LF_PROGRESS.finditer(log.read_text())]
    total = max(execs) if execs else 0
    found = []
    for kps in crashes.glob("*.kps"):
        sig = SIG.search(kps.read_text())
        if sig:
            t = kps.stat().st_mtime - start
            # libFuzzer's count grows about linearly with time in fork mode.
            found.append({"signature": sig.group(1), "seconds": t,
                          "executions": int(total * t / max(end - start, 1e-9))})
    return found


DEADLOCK = re.compile(r"^violation deadlock \([^)]*\) \[(.*)\]$")


def cause_of(sig, table):
    """The table's cause; a deadlock also by its cycle, whatever else was blocked on it."""
    if sig in table:
        return table[sig]
    m = DEADLOCK.match(sig)
    if m:
        waiters = set(m.group(1).split(", "))
        for known, cause in table.items():
            k = DEADLOCK.match(known)
            if k and set(k.group(1).split(", ")) <= waiters:
                return cause
    return sig


def first_by_cause(found, table):
    first = {}
    for f in found:
        cause = cause_of(f["signature"], table)
        if cause not in first or f["seconds"] < first[cause]["seconds"]:
            first[cause] = f
    return first


def cell(values, fmt):
    """(median, worst) over the seeds that found it; worst is "-" when a seed did not."""
    got = [v for v in values if v is not None]
    if not got:
        return "-", "-"
    return fmt(statistics.median(got)), fmt(max(got)) if len(got) == len(values) else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kpsim", default=str(ROOT / "build" / "tools" / "kpsim"))
    ap.add_argument("--libfuzzer")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--work")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.kpsim = str(pathlib.Path(args.kpsim).resolve())
    if args.libfuzzer:
        args.libfuzzer = str(pathlib.Path(args.libfuzzer).resolve())
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="ttf-"))
    table = causes()
    engines = {"swarm": lambda s: swarm(args.kpsim, s, args.budget, work)}
    if args.libfuzzer:
        engines["libfuzzer"] = lambda s: libfuzzer(args.libfuzzer, s, args.budget, work)
    results = {}
    for name, run in engines.items():
        for seed in range(1, args.seeds + 1):
            print("time-to-finding: %s seed %d (%d s)" % (name, seed, args.budget),
                  file=sys.stderr, flush=True)
            results.setdefault(name, []).append(first_by_cause(run(seed), table))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    all_causes = sorted({c for runs in results.values() for r in runs for c in r})
    head = "| cause |" + "".join(" %s: median s, worst s | %s: median executions |" % (e, e)
                                  for e in results)
    print(head)
    print("|---|" + "---|---|" * len(results))
    for cause in all_causes:
        row = "| %s |" % cause
        for name, runs in results.items():
            secs = [r[cause]["seconds"] if cause in r else None for r in runs]
            execs = [r[cause]["executions"] if cause in r else None for r in runs]
            med, worst = cell(secs, lambda v: "%.0f" % v)
            emed, _ = cell(execs, lambda v: format(int(v), ","))
            row += " %s, %s | %s |" % (med, worst, emed)
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
