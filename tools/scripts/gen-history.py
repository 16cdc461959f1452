#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Regenerate the generated parts of docs/history.md.

docs/history.md is prose written by hand around blocks that this script fills in, each
between a `<!-- BEGIN generated: WHAT -->` line and the next `<!-- END generated -->`:

  fixes                the table with one row per fix variant
  verdicts NAME        `kpsim verdicts -m BASE -m NAME --format markdown` over scenarios/
  fuzz NAME            the signatures of NAME's fuzz campaign, each classified

A fix variant is a model/variants/*.patch whose header has a `Finding:` line.  Its header
also gives `Cause:` (the cause keys of tests/data/signature-causes.tsv: F1..F10 for the
causes of docs/findings.md, the others as that table names them; a fix of a fix names the
defect of its base too) and `Claims:` (the ids
of scenarios/known-defects-6274de4.allow that the fix claims to remove).

For each fix variant the script
  * runs each Finding scenario as written on the base and the fix, and again with its
    `expect` lines taken out, to list the signatures it shows on each;
  * runs `kpsim verdicts` over scenarios/ on the base and the fix, judging each model's
    corpus once: the first table that judges a model saves its results, and the later
    tables with that model as their base read them (`--save-results`, `--reuse-results`);
  * runs (or resumes, or reuses) the variant's fuzz campaign: `kpsim fuzz --model NAME
    --seed 1 --runs RUNS --allow-file A`, where A is the known-defects allow list without
    the ids the fix claims, and classifies every signature it found by
    tests/data/signature-causes.tsv: the claimed cause still there, another known cause,
    a defect this fix introduced (a cause key that starts with the variant's name), or
    new and not yet triaged.
A campaign is a number of runs, not a time, so it is the same on any machine and with any
--jobs; the default is what one core of a 2-core 2026 laptop-class machine does in about
ten minutes.  Campaign results are kept in --fuzz-dir and reused, so rerunning the script
redoes only what changed.  --no-fuzz never starts one: a campaign missing from --fuzz-dir
keeps what the document says of it, so `--no-fuzz --check` checks everything else.

Usage:
  tools/scripts/gen-history.py [--kpsim PATH] [--fuzz-dir DIR] [--runs N] [--jobs N]
                               [--no-fuzz] [--only NAME] [--check | --write] [DOC]
Without --check or --write the regenerated document goes to standard output.  --check
exits 1 when DOC differs from what the script would write.
"""
import argparse
import collections
import concurrent.futures
import functools
import pathlib
import re
import subprocess
import sys
import tempfile

import signature_causes

ROOT = pathlib.Path(__file__).resolve().parents[2]
VARIANTS = ROOT / "model" / "variants"
ALLOW = ROOT / "scenarios" / "known-defects-6274de4.allow"
FINDINGS = ROOT / "docs" / "findings.md"

BEGIN = re.compile(r"^<!-- BEGIN generated: (.+?) -->$")
END = "<!-- END generated -->"


def log(msg):
    print("gen-history: " + msg, file=sys.stderr, flush=True)


def variant_order():
    """Variant names in the order of model/variants/meson.build's variant_list."""
    text = (VARIANTS / "meson.build").read_text()
    block = text[text.index("variant_list = ["):]
    block = block[: block.index("\n]")]
    return [m.group(1) for m in re.finditer(r"\['([^']+)',\s*'[^']+'\]", block)]


def header(path):
    fields = {}
    for line in path.read_text().splitlines():
        if line.startswith(("--- ", "diff ", "Index: ")):
            break
        m = re.match(r"^([A-Z][A-Za-z-]*): (.*)$", line)
        if m and m.group(1) not in fields:
            fields[m.group(1)] = m.group(2).strip()
    return fields


def fix_variants(only=None):
    out = []
    for name in variant_order():
        if only and name not in only:
            continue
        h = header(VARIANTS / (name + ".patch"))
        if "Finding" in h:
            for need in ("Base", "Commit", "Title", "Date", "Cause", "Claims"):
                if need not in h:
                    sys.exit("gen-history: %s.patch: the header has Finding but no %s"
                             % (name, need))
            h["Name"] = name
            h["Findings"] = h["Finding"].split()
            h["ClaimIds"] = h["Claims"].split()
            h["Causes"] = h["Cause"].split()
            out.append(h)
    return out


def cause_table():
    """signature -> cause, and cause key -> its description."""
    sig_cause, described = {}, {}
    for _, sig, cause in signature_causes.rows():
        key = cause.split(" ", 1)[0]
        sig_cause[sig] = key
        described[key] = cause
    return sig_cause, described


def cause_link(key, described):
    """A markdown link to the cause's section of docs/findings.md."""
    m = re.fullmatch(r"F(\d+)", key)
    if m:
        for line in FINDINGS.read_text().splitlines():
            if line.startswith("## %s. " % m.group(1)):
                title = line[3:]
                slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
                return "[%s](findings.md#%s)" % (title, slug)
    text = described.get(key, key)
    return "%s ([signatures and causes](findings.md#signatures-and-causes))" % text


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


VERDICT = re.compile(r"^(PASS|FAIL|ERROR|N/A)\b", re.M)
SHOWN = re.compile(r"^    (violation .*?): \d+ executions?$", re.M)


def run_scenario(kpsim, model, path):
    """(verdict as written, signatures shown once its expect lines are out)."""
    proc = run([kpsim, "run", "--model", model, str(path)])
    m = VERDICT.search(proc.stdout + proc.stderr)
    verdict = m.group(1) if m else "exit %d" % proc.returncode
    text = path.read_text()
    bare = "".join(l + "\n" for l in text.splitlines() if not l.startswith("expect"))
    with tempfile.TemporaryDirectory() as tmp:
        p = pathlib.Path(tmp) / path.name
        p.write_text(bare)
        proc = run([kpsim, "run", "--model", model, str(p)])
        shown = set(SHOWN.findall(proc.stderr))
        note = ""
        if "does not fit" in proc.stdout + proc.stderr:
            # The fuzzer's embedded schedule is the base's: explore instead.
            lines = [l for l in bare.splitlines()
                     if not l.startswith(("schedule", "explore"))]
            p.write_text("\n".join(lines) + "\nexplore random --runs 200 --seed 1\n")
            proc = run([kpsim, "run", "--model", model, str(p)])
            shown = set(SHOWN.findall(proc.stderr))
            note = " (its schedule does not fit; 200 random schedules)"
    # An inline `-> RET` that the fix changes is the scenario's pin, not a violation.
    return verdict, {x for x in shown if not x.startswith("violation expect ")}, note


def short(sig):
    """`violation T2 (checker) [optimizing_work]` -> `T2 [optimizing_work]`."""
    m = re.match(r"violation (\S+) \([^)]*\)(?: (\[.*\]))?$", sig)
    if not m:
        return sig
    return m.group(1) + (" " + m.group(2) if m.group(2) else "")


def sig_list(sigs):
    return ", ".join("`%s`" % short(s) for s in sorted(sigs)) or "none"


def finding_cell(kpsim, fix, sig_cause):
    parts = []
    for rel in fix["Findings"]:
        path = ROOT / rel
        b_verdict, b_shown, b_note = run_scenario(kpsim, fix["Base"], path)
        f_verdict, f_shown, f_note = run_scenario(kpsim, fix["Name"], path)
        b_cause = {s for s in b_shown if sig_cause.get(s) in fix["Causes"]}
        f_cause = {s for s in f_shown if sig_cause.get(s) in fix["Causes"]}
        new = f_shown - b_shown
        cell = "`%s`: %s, %s%s; the cause's signatures %s &rarr; %s" % (
            path.stem, b_verdict, f_verdict, f_note or b_note, sig_list(b_cause),
            sig_list(f_cause))
        if new - f_cause:
            cell += "; new: " + sig_list(new - f_cause)
        parts.append(cell)
    return "<br>".join(parts)


# A cap on each dfs search: a fix whose wait loops make a tree explode shows that
# scenario as INCOMPLETE (or as the failure found first) instead of running it for
# hours.  The corpus's largest search on the base port takes 13,093 executions; 5,000
# gives the same tables as 20,000 in half the time.
MAX_EXECUTIONS = 5000
DIFFER = re.compile(r"^(\d+) of (\d+) scenarios differ", re.M)


def verdicts(kpsim, fix, jobs, save=None, reuse=None):
    """The table's count and text; `save`, `reuse`: results files (--save-results, ...)."""
    cmd = [kpsim, "verdicts", "-m", fix["Base"], "-m", fix["Name"], "--format", "markdown",
           "--jobs", str(jobs), "--max-executions", str(MAX_EXECUTIONS)]
    if save:
        cmd += ["--save-results", save]
    if reuse:
        cmd += ["--reuse-results", reuse]
    proc = run(cmd + ["scenarios/"])
    # 2 also when a scenario is ERROR on one model (a schedule that does not fit): the
    # table still says so.
    m = DIFFER.search(proc.stdout)
    unsaved = save and not pathlib.Path(save).exists()
    if proc.returncode not in (0, 1, 2) or not m or unsaved:
        sys.exit("gen-history: kpsim verdicts on %s failed:\n%s" % (fix["Name"], proc.stderr))
    count = "%s of %s" % (m.group(1), m.group(2))
    return count, proc.stdout.strip()


def reuse_plan(fixes):
    """name -> the earlier fix whose table judges its base too (its Base or its Name).

    That table's saved results stand for the base's corpus (the same scenarios, cap
    and kpsim), so each model's corpus is judged once instead of once per table.  None:
    no earlier table judges the base.
    """
    plan = {}
    for i, fix in enumerate(fixes):
        plan[fix["Name"]] = next((e["Name"] for e in fixes[:i]
                                  if fix["Base"] in (e["Base"], e["Name"])), None)
    return plan


def all_verdicts(kpsim, fixes, pool, results_dir, side_work):
    """name -> verdicts(fix) for every fix, each table started once its base is judged.

    The tables with nothing to wait for are queued first, then `side_work` (callables,
    their futures returned too), and each other table when the table it reuses ends: no
    worker sits waiting for a base while there is other work.
    """
    plan = reuse_plan(fixes)
    savers = set(plan.values())

    def saved(name):
        return str(results_dir / (name + ".results")) if name else None

    def table(fix):
        name = fix["Name"]
        note = ""
        if plan[name]:
            note = " (%s's from the table of %s)" % (fix["Base"], plan[name])
        log("%s: verdicts over scenarios/%s" % (name, note))
        return verdicts(kpsim, fix, 1, save=saved(name) if name in savers else None,
                        reuse=saved(plan[name]))

    pending = {pool.submit(table, fix): fix for fix in fixes if plan[fix["Name"]] is None}
    side = [pool.submit(work) for work in side_work]
    done = {}
    while pending:
        finished, _ = concurrent.futures.wait(
            pending, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in finished:
            name = pending.pop(future)["Name"]
            done[name] = future.result()
            for fix in fixes:
                if plan[fix["Name"]] == name:
                    pending[pool.submit(table, fix)] = fix
    return done, side


def allow_without(claims):
    out = []
    for line in ALLOW.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            out.append(line)
        else:
            kept = [i for i in line.split() if i not in claims]
            if kept:
                out.append(" ".join(kept))
    return "\n".join(out) + "\n"


def campaign(kpsim, fix, fuzz_dir, runs, jobs, start):
    """(runs done, {signature: finding file}) or None when not run."""
    name = fix["Name"]
    out = fuzz_dir / name
    allow = fuzz_dir / (name + ".allow")
    state = out / "fuzz-state"
    done = 0
    if state.exists():
        m = re.search(r" next (\d+)", state.read_text())
        done = int(m.group(1)) if m else 0
    if done < runs and start:
        fuzz_dir.mkdir(parents=True, exist_ok=True)
        allow.write_text(allow_without(set(fix["ClaimIds"])))
        log("fuzz campaign on %s: %d runs" % (name, runs))
        proc = subprocess.run([kpsim, "fuzz", "--model", name, "--seed", "1", "--runs",
                               str(runs), "--jobs", str(jobs), "--allow-file", str(allow),
                               "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL)
        if proc.returncode not in (0, 1):
            sys.exit("gen-history: the fuzz campaign on %s failed" % name)
        m = re.search(r" next (\d+)", state.read_text())
        done = int(m.group(1)) if m else 0
    if done < runs:
        return None
    found = {}
    for kps in sorted(out.glob("*.kps")):
        m = re.search(r"^# Signature: (.*)$", kps.read_text(), re.M)
        if m:
            found[m.group(1)] = kps
    return done, found


ALLOWED = re.compile(r"^    violation (\S+) .*: \d+ executions?$", re.M)


def allowed_beside(kpsim, kps):
    """The allowed ids a finding's own execution also shows (its file has the allow line)."""
    proc = run([kpsim, "run", str(kps)])
    text = proc.stderr
    at = text.find("  allowed: ")
    return sorted(set(ALLOWED.findall(text[at:]))) if at >= 0 else []


def shown_on(kpsim, model, kps):
    """The signatures (failing or allowed) a finding's file shows on another model."""
    proc = run([kpsim, "run", "--model", model, str(kps)])
    return set(SHOWN.findall(proc.stderr))


def classify(kpsim, fix, found, sig_cause, described):
    """Lines for the fuzz block, and a short summary for the table.

    A signature whose minimized execution also shows an allowed violation may be what
    that known defect left behind rather than a cause of its own: the block says which
    ids it shows beside, and the summary counts such a signature of the claimed cause
    apart from one that shows alone.
    """
    name = fix["Name"]
    rows = []
    alone = behind = 0
    counts = collections.Counter()
    for sig, kps in sorted(found.items()):
        key = sig_cause.get(sig)
        beside = allowed_beside(kpsim, kps)
        if key in fix["Causes"]:
            kind = "still there"
            if beside:
                behind += 1
            else:
                alone += 1
        elif key is not None and key.startswith(name):
            kind = "introduced by the fix"
        elif key is not None:
            kind = "other known cause"
        elif sig in shown_on(kpsim, fix["Base"], kps):
            # Not in the cause table, but the base fails the same way on the same
            # schedule: older than the fix.
            kind = "on the base too, not triaged"
        else:
            kind = "new, not triaged"
        counts[kind] += 1
        rows.append((kind, sig, described.get(key, "") if key else "", beside))
    order = ["still there", "introduced by the fix", "new, not triaged",
             "on the base too, not triaged", "other known cause"]
    rows.sort(key=lambda r: (order.index(r[0]), r[1]))
    lines = ["| %s | `%s` | %s | %s |" % (kind, sig, cause_text,
                                          " ".join(beside) if beside else "")
             for kind, sig, cause_text, beside in rows]
    if alone:
        summary = ["the cause: still there"]
    elif behind:
        summary = ["the cause: only behind allowed defects"]
    else:
        summary = ["the cause: gone"]
    for kind in ("introduced by the fix", "new, not triaged", "on the base too, not triaged"):
        if counts[kind]:
            summary.append("%s: %s" % (kind.replace(", not triaged", ""), sig_list(
                r[1] for r in rows if r[0] == kind)))
    summary.append("%d of other known causes" % counts["other known cause"])
    return lines, "; ".join(summary)


def year(date):
    return date[:4]


def kept_campaigns(doc):
    """name -> (the table's fuzz cell, the fuzz block) as the document has them."""
    blocks = {}
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        m = BEGIN.match(line)
        if m and m.group(1).startswith("fuzz "):
            j = lines.index(END, i)
            blocks[m.group(1)[5:]] = "\n".join(lines[i + 1:j])
    out = {}
    for line in lines:
        m = re.match(r"^\| `([^`]+)` \(", line)
        if m and m.group(1) in blocks:
            out[m.group(1)] = (line.rstrip(" |").rsplit(" | ", 1)[1], blocks[m.group(1)])
    return out


def generate(args, doc):
    kpsim = str(pathlib.Path(args.kpsim).resolve())
    kept = kept_campaigns(doc)
    sig_cause, described = cause_table()
    fixes = fix_variants(args.only)
    blocks = {}
    rows = []

    def findings(fix):
        log("%s: finding scenarios" % fix["Name"])
        return finding_cell(kpsim, fix, sig_cause)

    # One table per job: the verdict tables are many short runs and a few long ones,
    # which keep a core each busy better than one table split over the cores.  The saved
    # results live as long as this run only: a kpsim rebuilt since would not match them.
    with tempfile.TemporaryDirectory(prefix="gen-history-") as results_dir, \
            concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        tables, cells = all_verdicts(kpsim, fixes, pool, pathlib.Path(results_dir),
                                     [functools.partial(findings, fix) for fix in fixes])
        judgements = [(cell.result(), tables[fix["Name"]]) for fix, cell in zip(fixes, cells)]
    for fix, (finding, (count, table)) in zip(fixes, judgements):
        name = fix["Name"]
        blocks["verdicts " + name] = table
        result = campaign(kpsim, fix, pathlib.Path(args.fuzz_dir), args.runs, args.jobs,
                          not args.no_fuzz)
        if result is None and args.no_fuzz and name in kept:
            # Campaigns take minutes each: without them, keep what the document says.
            fuzz, blocks["fuzz " + name] = kept[name]
        elif result is None:
            fuzz = "not run"
            blocks["fuzz " + name] = "The campaign has not been run."
        else:
            done, found = result
            lines, fuzz = classify(kpsim, fix, found, sig_cause, described)
            fuzz = "%s runs: %s" % (format(done, ","), fuzz)
            head = ["`kpsim fuzz --model %s --seed 1 --runs %d --allow-file A`, A the known "
                    "defects without %s: %s signatures." % (name, done,
                                                             " ".join(fix["ClaimIds"]),
                                                             len(found)), ""]
            if lines:
                head += ["| | signature | cause | allowed ids its execution also shows |",
                         "|---|---|---|---|"] + lines
            blocks["fuzz " + name] = "\n".join(head)
        commit = fix["Commit"]
        commit = "none (written here)" if commit == "none" else commit
        rows.append("| `%s` (%s) | %s \"%s\" (%s) | %s | %s | %s | %s |" % (
            name, fix["Base"], commit, fix["Title"], year(fix["Date"]),
            "<br>".join(cause_link(c, described) for c in fix["Causes"]), finding, count,
            fuzz))
    if not args.only:
        blocks["fixes"] = "\n".join(
            ["| variant (base) | upstream commit | cause | finding scenario: verdict on "
             "base, fix; the cause's signatures on base &rarr; fix | corpus: scenarios that "
             "differ | fuzz campaign |", "|---|---|---|---|---|---|"] + rows)
    return blocks


def fill(doc, blocks):
    out, lines, i = [], doc.splitlines(), 0
    seen = set()
    while i < len(lines):
        out.append(lines[i])
        m = BEGIN.match(lines[i])
        i += 1
        if not m:
            continue
        what = m.group(1)
        j = i
        while j < len(lines) and lines[j] != END:
            j += 1
        if j == len(lines):
            sys.exit("gen-history: no %s after BEGIN generated: %s" % (END, what))
        if what in blocks:
            out.extend(blocks[what].splitlines())
            seen.add(what)
        else:
            out.extend(lines[i:j])
        out.append(END)
        i = j + 1
    missing = set(blocks) - seen
    if missing:
        sys.exit("gen-history: the document has no block for: " + ", ".join(sorted(missing)))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("doc", nargs="?", default=str(ROOT / "docs" / "history.md"))
    ap.add_argument("--kpsim", default=str(ROOT / "build" / "tools" / "kpsim"))
    ap.add_argument("--fuzz-dir", default=str(ROOT / "build" / "history-fuzz"))
    ap.add_argument("--runs", type=int, default=900000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-fuzz", action="store_true")
    ap.add_argument("--only", action="append")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = ap.parse_args()
    doc = pathlib.Path(args.doc).read_text()
    new = fill(doc, generate(args, doc))
    if args.check:
        if new != doc:
            sys.stderr.write("gen-history: %s is not what the script writes\n" % args.doc)
            return 1
        return 0
    if args.write:
        pathlib.Path(args.doc).write_text(new)
    else:
        sys.stdout.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
