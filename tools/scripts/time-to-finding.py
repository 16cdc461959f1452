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
             seed corpus: the corpus scenarios under 4 KB, without their `allow` and
             `expect` lines, that then run clean in the harness (a seed that shows a
             violation, a finding scenario with its schedule, would hand the engine its
             answer); the time is when the
             harness wrote the crash's file; executions are interpolated from
             libFuzzer's own progress lines.

The causes are those of the seed port: the table's causes that fix variants introduced
(their key begins with "fix-") cannot show on it, so a signature the table gives to one
of them counts as a signature of its own here.  It prints a markdown table, one row per
cause of the table, found or not, with how many seeds found it and the median and worst
time and the median executions over those seeds (the worst is "-" when a seed did not
find it within the budget), then how many other signatures each engine found, and writes
every finding to --json; --from-json prints the table of such a file again without
fuzzing.  Wall times are host times: this is a benchmark, not a test; run it on a quiet
machine.

Usage:
  tools/scripts/time-to-finding.py --kpsim build/tools/kpsim \
      [--libfuzzer build-lf/tools/fuzzing/kpsim-fuzz] [--seeds 5] [--budget 600] \
      [--work DIR] [--json FILE]
  tools/scripts/time-to-finding.py --from-json FILE
"""
import argparse
import concurrent.futures
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
    """signature -> its cause, as the table words it, for the causes of the seed port."""
    return {sig: cause for _, sig, cause in signature_causes.rows()
            if not cause.startswith("fix-")}


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


def clean_seeds(binary, env, seeds):
    """Write the seed corpus into `seeds`: the corpus scenarios under 4 KB without their
    `allow` and `expect` lines (the harness honours a scenario's own allow list, so a
    finding scenario with its allow line taken out by one mutation would hand the engine
    its answer), each kept only if it then runs clean in the harness."""
    scratch = seeds.parent / "seed-check"
    scratch.mkdir(parents=True, exist_ok=True)
    check_env = dict(env, KPSIM_FUZZ_OUT=str(scratch))
    kept = 0
    for kps in sorted((ROOT / "scenarios").rglob("*.kps")):
        if kps.stat().st_size > 4096:
            continue
        text = "".join(line for line in kps.read_text().splitlines(True)
                       if not line.startswith(("allow", "expect")))
        candidate = scratch / "candidate.kps"
        candidate.write_text(text)
        proc = subprocess.run([binary, str(candidate)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=check_env, cwd=scratch)
        if proc.returncode == 0:
            (seeds / str(kps.relative_to(ROOT)).replace("/", "_")).write_text(text)
            kept += 1
    shutil.rmtree(scratch, ignore_errors=True)
    return kept


def libfuzzer(binary, seed, budget, work):
    d = work / ("libfuzzer-%d" % seed)
    shutil.rmtree(d, ignore_errors=True)
    seeds, corpus, crashes = d / "seeds", d / "corpus", d / "crashes"
    for p in (seeds, corpus, crashes):
        p.mkdir(parents=True)
    env = dict(os.environ, KPSIM_FUZZ_OUT=str(crashes))
    env.pop("KPSIM_FUZZ_ALLOW", None)
    env.pop("KPSIM_FUZZ_ALLOW_FILE", None)
    clean_seeds(binary, env, seeds)
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


def seed_findings(entry):
    """A seed's findings, from a --json file: a list, or (older files) one per cause."""
    return list(entry.values()) if isinstance(entry, dict) else entry


def print_table(results, table):
    """results: engine -> one list of findings per seed."""
    firsts = {e: [first_by_cause(f, table) for f in runs] for e, runs in results.items()}
    known = sorted(set(table.values()), key=lambda c: c.split(" ", 1)[0])
    head = "| cause |"
    for e in results:
        head += " %s: seeds | median s | worst s | median executions |" % e
    print(head)
    print("|---|" + "---|---|---|---|" * len(results))
    for cause in known:
        row = "| %s |" % cause
        for runs in firsts.values():
            secs = [r[cause]["seconds"] if cause in r else None for r in runs]
            execs = [r[cause]["executions"] if cause in r else None for r in runs]
            med, worst = cell(secs, lambda v: "%.0f" % v)
            emed, _ = cell(execs, lambda v: format(int(v), ","))
            found = sum(v is not None for v in secs)
            row += " %d of %d | %s | %s | %s |" % (found, len(runs), med, worst, emed)
        print(row)
    print()
    for e, runs in firsts.items():
        other = {c for r in runs for c in r if c not in known}
        print("%s: %d other signatures (not in the table for the seed port)" % (e, len(other)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kpsim", default=str(ROOT / "build" / "tools" / "kpsim"))
    ap.add_argument("--libfuzzer")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--work")
    ap.add_argument("--json")
    ap.add_argument("--engines", default="swarm,libfuzzer",
                    help="which engines to run, of swarm,libfuzzer")
    ap.add_argument("--parallel", type=int, default=1,
                    help="campaigns at a time, each on one core (no more than the cores)")
    ap.add_argument("--from-json", nargs="+",
                    help="print the table of earlier --json files (their engines merged)")
    args = ap.parse_args()
    table = causes()
    if args.from_json:
        merged = {}
        for path in args.from_json:
            saved = json.loads(pathlib.Path(path).read_text())
            for e, runs in saved.items():
                merged[e] = [seed_findings(x) for x in runs]
        print_table(merged, table)
        return 0
    args.kpsim = str(pathlib.Path(args.kpsim).resolve())
    if args.libfuzzer:
        args.libfuzzer = str(pathlib.Path(args.libfuzzer).resolve())
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="ttf-"))
    engines = {}
    wanted = args.engines.split(",")
    if "swarm" in wanted:
        engines["swarm"] = lambda s: swarm(args.kpsim, s, args.budget, work)
    if "libfuzzer" in wanted and args.libfuzzer:
        engines["libfuzzer"] = lambda s: libfuzzer(args.libfuzzer, s, args.budget, work)

    def campaign(name, seed):
        print("time-to-finding: %s seed %d (%d s)" % (name, seed, args.budget),
              file=sys.stderr, flush=True)
        return engines[name](seed)

    jobs = [(name, seed) for name in engines for seed in range(1, args.seeds + 1)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.parallel, 1)) as pool:
        done = list(pool.map(lambda j: campaign(*j), jobs))
    results = {}
    for (name, _), found in zip(jobs, done):
        results.setdefault(name, []).append(found)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print_table(results, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
