# SPDX-License-Identifier: GPL-2.0-only
"""tools/scripts/time-to-finding.py: how it turns findings into its table (--from-json).

The campaigns themselves are a benchmark; what is tested is the counting: a cause is
found at the first finding of any of its signatures, a deadlock also by its cycle, the
causes that fix variants introduced are not the seed port's, and every cause of the
table has a row whether found or not.
"""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))
SCRIPT = ROOT / "tools" / "scripts" / "time-to-finding.py"

F2_CYCLE = ("violation deadlock (report_no_options) "
            "[optimizing_work on kprobe_mutex, sysctl write on optimizer_comp]")
F5 = "violation A3 (checker) [enable]"
FIX_CAUSE = "violation K7 (__copy_instruction) [register]"


def finding(sig, seconds, executions):
    return {"signature": sig, "seconds": seconds, "executions": executions}


def table(tmp_path, results):
    path = tmp_path / "ttf.json"
    path.write_text(json.dumps(results))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--from-json", str(path)],
                          capture_output=True, text=True, check=True)
    rows = {}
    for line in proc.stdout.splitlines():
        if line.startswith("| ") and not line.startswith("| cause"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].split(" ", 1)[0]] = cells[1:]
    return rows, proc.stdout


def test_first_finding_per_cause_over_seeds(tmp_path):
    # Seed 1 shows F2 twice (a larger cycle with the same waiters counts too) and F5;
    # seed 2 shows F2 only; both show a signature of a fix variant's cause.
    bigger = F2_CYCLE.replace("[", "[debugfs write on kprobe_mutex, ")
    results = {"swarm": [
        [finding(bigger, 30.0, 3000), finding(F2_CYCLE, 10.0, 1000), finding(F5, 5.0, 500),
         finding(FIX_CAUSE, 1.0, 100)],
        [finding(F2_CYCLE, 20.0, 2000), finding(FIX_CAUSE, 2.0, 200)],
    ]}
    rows, out = table(tmp_path, results)
    # seeds, median s, worst s, median executions
    assert rows["F2"] == ["2 of 2", "15", "20", "1,500"]
    # Found by one seed of two: no worst.
    assert rows["F5"] == ["1 of 2", "5", "-", "500"]
    # Never found, still listed.
    assert rows["F9"] == ["0 of 2", "-", "-", "-"]
    # K7 [register] belongs to a cause of fix-recover-optprobed: here it is a signature
    # of its own, not that cause.
    assert not any(k.startswith("fix-") for k in rows)
    assert "swarm: 1 other signatures" in out


def test_engines_of_several_files_are_merged(tmp_path):
    one = tmp_path / "a.json"
    two = tmp_path / "b.json"
    one.write_text(json.dumps({"swarm": [[finding(F5, 1.0, 10)]]}))
    # An older file: one dict of first findings per seed.
    two.write_text(json.dumps({"libfuzzer": [{"F5": finding(F5, 7.0, 70)}]}))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--from-json", str(one), str(two)],
                          capture_output=True, text=True, check=True)
    head = proc.stdout.splitlines()[0]
    assert "swarm: seeds" in head and "libfuzzer: seeds" in head
    f5 = next(line for line in proc.stdout.splitlines() if line.startswith("| F5 "))
    assert "| 1 of 1 | 1 | 1 | 10 | 1 of 1 | 7 | 7 | 70 |" in f5
