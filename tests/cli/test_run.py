# SPDX-License-Identifier: GPL-2.0-only
"""kpsim run and kpsim replay: verdicts, exit codes, failure reports, replay."""
import json
import os
import re

PASSING = """\
# An optimized probe, hit through its jump, then unregistered.
cpus 2
probe a at f_small+0
task t0 on cpu0:
    register a -> 0
    sleep 10
    unregister a
task t1 on cpu1:
    sleep 6
    call f_small times 3
expect always no-violation
expect end a.hits <= 3
expect sometimes a.hits == 3
expect end text f_small == original
explore random 20 seed 3
"""

# disarm_all_kprobes() returns with the jump still live (optimizer_comp is never
# re-initialised), which the checker reports as A5.
FAILING = """\
cpus 1
probe a at f_medium+0
task t0 on cpu0:
    register a -> 0
    sleep 6
    debugfs write "0" -> 1
    call f_medium
expect always no-violation
"""

# A5, and what it hides: the hit after the write still runs the handler (H3), and the
# optimizer then leaves an int3 where the jump was while kprobes are disarmed (T2, T4).
BEHIND_A5 = ["A5", "H3", "T2", "T4"]
EXPECTING = FAILING.replace(
    "expect always no-violation\n",
    "".join(f"expect always violation {v}\n" for v in BEHIND_A5))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_passing_scenario(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    out = kpsim("run", path, check=0).stdout
    assert re.search(r"^PASS .*ok\.kps \(20 executions, ", out, re.M)
    assert out.rstrip().endswith("scenarios: 1 passed, 0 failed")


def test_failing_scenario_reports_and_replays(kpsim, tmp_path):
    path = write(tmp_path, "bad.kps", FAILING)
    outdir = tmp_path / "out"
    proc = kpsim("run", "--out", str(outdir), path, check=1)
    assert re.search(r"^FAIL .*bad\.kps", proc.stdout, re.M)
    assert "violation A5: kprobes were disarmed but f_medium+0x0 holds an installed jump" \
        in proc.stderr
    assert "last events:" in proc.stderr
    m = re.search(r"replay: kpsim replay (\S+) --schedule (S1:\S+)", proc.stderr)
    assert m and m.group(1) == path
    # The printed command reproduces the same failure.
    replay = kpsim("replay", path, "--schedule", m.group(2), check=1)
    assert "FAIL" in replay.stderr and "violation A5" in replay.stderr
    assert f"schedule: {m.group(2)}" in replay.stderr
    # So does the copy with the schedule embedded, without any option.
    copy = outdir / "bad.kps"
    assert f"schedule {m.group(2)}" in copy.read_text()
    again = kpsim("replay", str(copy), check=1)
    assert again.stdout == replay.stdout


def test_expected_violation_passes(kpsim, tmp_path):
    path = write(tmp_path, "expects.kps", EXPECTING)
    kpsim("run", path, check=0)


def test_every_failure_group_is_reported(kpsim, tmp_path):
    path = write(tmp_path, "f.kps", FAILING)
    proc = kpsim("run", path, check=1)
    assert "  violation A5: kprobes were disarmed" in proc.stderr
    assert "  failures: 4 groups" in proc.stderr
    groups = re.findall(r"^    violation (\S+) \((\S+)\) \[([^]]+)\]: 1 execution$",
                        proc.stderr, re.M)
    assert [g[0] for g in groups] == BEHIND_A5
    assert groups[0][2] == "debugfs write: the address holds a jump" and groups[2][2] == "optimizing_work"
    assert proc.stderr.count(f"      replay: kpsim replay {path} --schedule S1:") == 4


def test_only_the_named_violation_is_expected(kpsim, tmp_path):
    text = FAILING.replace("expect always no-violation", "expect always violation A5")
    proc = kpsim("run", write(tmp_path, "a5.kps", text), check=1)
    assert "  violation H3: " in proc.stderr
    assert "violation A5 (" not in proc.stderr


def test_allow_option_and_file(kpsim, tmp_path):
    path = write(tmp_path, "f.kps", FAILING)
    # Allowing some: the first one left fails the run.
    proc = kpsim("run", "--allow", "A5,H3", "--allow", "T2", path, check=1)
    assert "  violation T4: " in proc.stderr
    assert "  allowed: 3 groups" in proc.stderr
    allow = tmp_path / "known.allow"
    allow.write_text("# the seed's known defects\nA5 H3  # cause 1\n\n  T2,T4\n")
    proc = kpsim("run", "--allow-file", str(allow), path, check=0)
    assert proc.stdout.rstrip().endswith(
        "scenarios: 1 passed, 0 failed, 1 with allowed violations")
    assert "  allowed: 4 groups" in proc.stderr
    proc = kpsim("explore", "--preemptions", "0", "--allow-file", str(allow), path,
                  check=0)
    assert "failures: 0 groups, 0 failing executions" in proc.stdout
    assert "allowed: 4 groups" in proc.stdout
    assert proc.stdout.count("    replay: kpsim replay ") == 4


def test_allow_rejects_unknown_ids(kpsim, tmp_path):
    path = write(tmp_path, "f.kps", FAILING)
    proc = kpsim("run", "--allow", "A5,T99", path, check=2)
    assert "kpsim run: --allow: 'T99' is not an invariant id" in proc.stderr
    bad = tmp_path / "bad.allow"
    bad.write_text("A5\n   nope # no such id\n")
    proc = kpsim("explore", "--allow-file", str(bad), path, check=2)
    assert f"kpsim explore: {bad}:2:4: 'nope' is not an invariant id" in proc.stderr
    proc = kpsim("minimize", "--allow-file", str(tmp_path / "missing"), path, check=2)
    assert "missing" in proc.stderr


def test_shipped_known_defects_file(kpsim, tmp_path):
    """The seed's known defects (docs/findings.md) make A5's scenario pass."""
    root = os.environ.get("KPSIM_SOURCE_ROOT", ".")
    known = os.path.join(root, "scenarios", "known-defects-6274de4.allow")
    proc = kpsim("run", "--allow-file", known, write(tmp_path, "f.kps", FAILING), check=0)
    assert "  allowed: 4 groups" in proc.stderr


def test_tap(kpsim, tmp_path):
    ok = write(tmp_path, "a.kps", PASSING)
    bad = write(tmp_path, "b.kps", FAILING)
    out = kpsim("run", "--tap", ok, bad, check=1).stdout.splitlines()
    assert out[0] == "1..2"
    assert out[1].startswith("ok 1 - ") and out[1].endswith("# 20 executions")
    assert any(line.startswith("not ok 2 - ") for line in out)
    assert any(line.startswith("# replay: kpsim replay") for line in out)


def test_directory_and_input_errors(kpsim, tmp_path):
    write(tmp_path, "1.kps", PASSING)
    write(tmp_path, "2.kps", "cpus 2\nprobe a at f_small+0\nfrobnicate\n")
    proc = kpsim("run", str(tmp_path), check=2)
    assert re.search(r"2\.kps:3:1: ", proc.stderr)
    assert "scenarios: 1 passed, 1 failed (1 input error)" in proc.stdout


def test_unknown_symbol_is_an_input_error(kpsim, tmp_path):
    path = write(tmp_path, "sym.kps", "probe a at no_such_fn+0\ntask t on cpu0:\n"
                                      "    register a\n")
    proc = kpsim("run", path, check=2)
    assert re.search(r"sym\.kps:1:12: no symbol 'no_such_fn'", proc.stderr)


def test_replay_traces(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    text = kpsim("replay", path, check=0)
    assert "done after" in text.stderr
    events = [json.loads(l) for l in kpsim("replay", path, "--trace", "json",
                                           check=0).stdout.splitlines()]
    assert any(e["what"] == "pre-handler" and e["obj"] == "a" for e in events)
    doc = json.loads(kpsim("replay", path, "--trace", "perfetto", check=0).stdout)
    assert doc["traceEvents"]
    part = kpsim("replay", path, "--until", "10", check=0)
    assert "stopped after 9 decisions" in part.stderr
    assert "not a schedule" in kpsim("replay", path, "--schedule", "S1:?", check=2).stderr


def test_coverage_matrix(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    out = kpsim("run", "--coverage", path, check=0).stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in
            ("none", "int3", "optimizing", "optimized", "unoptimizing", "unused", "freeing")}
    cols = ["none", "disarmed", "int3", "optimizing", "optimized", "unoptimizing",
            "unused", "freeing", "gone"]
    cell = lambda a, b: rows[a][cols.index(b)]
    # Every execution registers a (optimizable): none -> optimizing -> optimized; the
    # unregister leaves its aggregate unused (its last child gone, the jump still there),
    # the optimizer unhashes it (freeing) and frees it after the grace period (none).
    assert cell("none", "optimizing") == "20"
    assert cell("optimizing", "optimized") == "20"
    assert cell("optimized", "unused") == "20"
    assert cell("unused", "freeing") == "20"
    assert cell("freeing", "none") == "20"
    assert cell("none", "int3") == "*"       # a transition of docs/states.md not seen here
    assert cell("none", "gone") == "."       # not a transition of docs/states.md
    assert re.search(r"^state-machine transitions seen: \d+ of 28 \(docs/states\.md; v: one "
                     r"more, reachable only after a violation\)$", out, re.M), out
    assert "(rows: from, columns: to; * = a transition of docs/states.md never seen):" in out


def test_jobs_give_the_same_report(kpsim, tmp_path):
    for i in range(4):
        write(tmp_path, f"ok{i}.kps", PASSING)
    write(tmp_path, "bad.kps", FAILING)
    one = kpsim("run", "--tap", str(tmp_path), check=1)
    two = kpsim("run", "--tap", "--jobs", "3", str(tmp_path), check=1)
    assert one.stdout == two.stdout
    assert "--jobs takes a number" in kpsim("run", "--jobs", "0", str(tmp_path), check=2).stderr


SEED_ONLY = "# verdicts of the seed alone\nmodel 6274de4 only\n" + EXPECTING


def test_model_option_runs_on_the_parent(kpsim, tmp_path):
    """FAILING's A5 is the seed's: on the parent the disarm removes the jump itself."""
    path = write(tmp_path, "bad.kps", FAILING)
    kpsim("run", path, check=1)
    out = kpsim("run", "--model", "6274de4^", path, check=0).stdout
    assert re.search(r"^PASS .*bad\.kps ", out, re.M)
    assert out.rstrip().endswith("scenarios: 1 passed, 0 failed, 0 not applicable to model "
                                 "6274de4^")
    assert kpsim("replay", "--model", "6274de4^", path, check=0).returncode == 0


def test_model_option_failure_replays_on_that_port(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", EXPECTING)
    outdir = tmp_path / "out"
    proc = kpsim("run", "--model", "6274de4^", "--out", str(outdir), path, check=1)
    m = re.search(r"replay: kpsim replay (\S+) --model 6274de4\^ --schedule (S1:\S+)",
                  proc.stderr)
    assert m and m.group(1) == path, proc.stderr
    kpsim("replay", path, "--model", "6274de4^", "--schedule", m.group(2), check=1)
    kpsim("replay", path, "--schedule", m.group(2), check=0)
    # The failing copy names the port it failed on, so it replays without --model.
    copy = (outdir / "ok.kps").read_text()
    assert copy.splitlines()[0] == "model 6274de4^"
    kpsim("replay", str(outdir / "ok.kps"), check=1)


def test_not_applicable(kpsim, tmp_path):
    only = write(tmp_path, "a-only.kps", SEED_ONLY)
    ok = write(tmp_path, "b-ok.kps", PASSING)
    # On its own port, or without --model, an `only` scenario runs as usual.
    kpsim("run", only, check=0)
    kpsim("run", "--model", "6274de4", only, check=0)
    proc = kpsim("run", "--model", "6274de4^", only, ok, check=0)
    lines = proc.stdout.splitlines()
    assert lines[0] == f"N/A  {only}  (needs model 6274de4)"
    assert lines[1].startswith(f"PASS {ok} ")
    assert lines[-1] == "scenarios: 1 passed, 0 failed, 1 not applicable to model 6274de4^"
    tap = kpsim("run", "--tap", "--model", "6274de4^", only, ok, check=0).stdout.splitlines()
    assert tap[0] == "1..2"
    assert tap[1] == f"ok 1 - {only} # SKIP needs model 6274de4"
    assert tap[2].startswith(f"ok 2 - {ok} # ")
    # A directory: the same, in path order.
    out = kpsim("run", "--model", "6274de4^", str(tmp_path), check=0).stdout
    assert out.splitlines()[0] == f"N/A  {only}  (needs model 6274de4)"
    proc = kpsim("replay", "--model", "6274de4^", only, check=2)
    assert "needs model 6274de4" in proc.stderr


def test_a_port_is_named_by_its_commit_too(kpsim, tmp_path):
    """61f4e13 (the parent's commit) names the port 6274de4^, in a header and in --model,
    and a scenario marked `model 6274de4^ only` applies to it under either name."""
    header = write(tmp_path, "by-commit.kps", PASSING.replace("cpus 2", "model 61f4e13\ncpus 2", 1))
    out = kpsim("explore", header, "--strategy", "random", "--runs", "1").stdout
    assert out.startswith(f"explore {header}: model 6274de4^,")
    only = write(tmp_path, "only.kps", "model 6274de4^ only\n" + PASSING)
    for name in ("61f4e13", "61f4e13ffd85", "6274de4^"):
        assert kpsim("run", "--model", name, only).stdout.startswith(f"PASS {only}")
    out = kpsim("run", "--model", "6274de4984a6", only, check=0).stdout
    assert out.startswith(f"N/A  {only}  (needs model 6274de4^)")


def test_unknown_model_option(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    for cmd in ("run", "replay"):
        proc = kpsim(cmd, "--model", "2.6.38", path, check=2)
        assert f"kpsim {cmd}: unknown model '2.6.38' (kpsim models lists them)" in proc.stderr
        assert proc.stdout == ""


def test_coverage_names_the_parents_transitions(kpsim):
    """Transitions docs/states.md lacks but the parent has are named as the parent's."""
    import os
    import pathlib
    root = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT")
                        or pathlib.Path(__file__).resolve().parents[2])
    out = kpsim("run", "--coverage", str(root / "scenarios/parent/disable-stops-machine.kps"),
                check=0).stdout
    assert re.search(r"^also seen, of 6274de4\^ \(the jump removed at once\): "
                     r"optimized -> disarmed \(\d+\)$", out, re.M), out
    assert "not in docs/states.md" not in out


def test_coverage_names_changes_outside_the_machine(kpsim):
    """A change the state machine does not have is printed as such (docs/states.md)."""
    import os
    import pathlib
    root = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT")
                        or pathlib.Path(__file__).resolve().parents[2])
    out = kpsim("run", "--coverage", str(root / "scenarios/modules/reload-reuses-gone.kps"),
                check=0).stdout
    assert re.search(r"^also seen, not in docs/states\.md: gone -> optimizing \(\d+\)$",
                     out, re.M), out
