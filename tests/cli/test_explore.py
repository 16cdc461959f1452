# SPDX-License-Identifier: GPL-2.0-only
"""kpsim explore: dfs soundness of the reduction, seeds, jobs, exit codes, replays."""
import os
import re

import pytest

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "explore")
ROOT = os.environ.get("KPSIM_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SOUNDNESS_SET = sorted(f for f in os.listdir(DATA) if f.endswith(".kps"))

# disarm_all_kprobes() returns with the jump still live: the checker reports A5.
FAILING = """\
cpus 2
probe a at f_medium+0
task t0 on cpu0:
    register a -> 0
    sleep 6
    debugfs write "0" -> 1
    call f_medium
task t1 on cpu1:
    call f_medium
expect always no-violation
"""

PASSING = """\
cpus 2
probe a at f_small+0 post
task t0 on cpu0:
    register a -> 0
    call f_small
task t1 on cpu1:
    call f_small
expect always no-violation
expect end a.hits <= 2
explore dfs preemptions 1
"""


# t0 registers and unregisters a probe while t1 calls the function: the call hits only
# between the two, which needs one preemption of t0.
ONE_PREEMPTION = """\
cpus 2
probe a at f_small+0
task t0 on cpu0:
    register a -> 0
    unregister a
task t1 on cpu1:
    call f_small
expect always no-violation
expect end a.hits == 0
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def summary(out):
    """The parts of a summary that do not depend on time."""
    fields = {}
    for key in ("distinct final states", "pruned executions (sleep-set blocked)",
                "distinct traces"):
        m = re.search(r"^%s: (\d+)$" % re.escape(key), out, re.M)
        fields[key] = int(m.group(1)) if m else None
    m = re.search(r"^executions: (\d+) in ", out, re.M)
    fields["executions"] = int(m.group(1))
    fields["groups"] = re.findall(r"^  (\S.*): (\d+) executions?$", out, re.M)
    fields["replays"] = re.findall(r"^    replay: (.*)$", out, re.M)
    fields["exploration"] = re.search(r"^exploration: (.*)$", out, re.M).group(1)
    fields["bounds"] = re.findall(r"^bound (\d+) complete: (.*)$", out, re.M)
    return fields


@pytest.mark.parametrize("name", SOUNDNESS_SET)
def test_reduction_keeps_final_states_and_verdicts(kpsim, name):
    path = os.path.join(DATA, name)
    full = kpsim("explore", path, "--no-reduce", timeout=300)
    red = kpsim("explore", path, timeout=300)
    assert full.returncode == red.returncode, (full.stdout, red.stdout)
    f, r = summary(full.stdout), summary(red.stdout)
    assert f["exploration"] == r["exploration"] == "complete"
    assert f["distinct final states"] == r["distinct final states"]
    assert [g for g, _ in f["groups"]] == [g for g, _ in r["groups"]]
    assert r["executions"] <= f["executions"]


def test_reduction_removes_executions(kpsim):
    path = os.path.join(DATA, "sysctl-call.kps")
    full = summary(kpsim("explore", path, "--no-reduce", check=0).stdout)
    red = summary(kpsim("explore", path, check=0).stdout)
    assert red["executions"] * 4 <= full["executions"]


def test_dfs_directive_in_run_matches_explore(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    ex = summary(kpsim("explore", path, check=0).stdout)
    assert ex["exploration"] == "complete"
    out = kpsim("run", path, check=0).stdout
    assert re.search(r"^PASS .*ok\.kps \(%d executions, " % ex["executions"], out, re.M)


def test_random_and_pct_repeat_from_the_seed(kpsim, tmp_path):
    path = write(tmp_path, "bad.kps", FAILING)
    for strategy in ("random", "pct"):
        args = ("explore", path, "--strategy", strategy, "--runs", "60", "--seed", "11")
        a, b = kpsim(*args, check=1), kpsim(*args, check=1)
        assert summary(a.stdout) == summary(b.stdout)
        assert summary(a.stdout)["groups"]
        other = kpsim("explore", path, "--strategy", strategy, "--runs", "60", "--seed", "12")
        assert other.returncode == 1


def test_pct_header_states_the_bound(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    out = kpsim("explore", path, "--strategy", "pct", "--runs", "20", "--depth", "2",
                check=0).stdout
    m = re.search(r"depth 2, n 3 \(vCPUs \+ tick\), k (\d+): .* = (\S+), jobs 1$",
                  out.splitlines()[0])
    assert m, out.splitlines()[0]
    assert float(m.group(2)) == pytest.approx(1 / (3 * int(m.group(1))), rel=1e-2)


@pytest.mark.parametrize("strategy", ["random", "pct", "dfs"])
def test_jobs_do_not_change_the_failures(kpsim, tmp_path, strategy):
    path = write(tmp_path, "bad.kps", FAILING)
    args = ["explore", path, "--strategy", strategy, "--seed", "3"]
    if strategy == "dfs":
        args += ["--preemptions", "1"]
    else:
        args += ["--runs", "80"]
    one = summary(kpsim(*args, "--jobs", "1", check=1, timeout=300).stdout)
    two = summary(kpsim(*args, "--jobs", "2", check=1, timeout=300).stdout)
    assert [g for g, _ in one["groups"]] == [g for g, _ in two["groups"]]
    if strategy != "dfs":
        # The same runs, so the same counts and the same first failure of each group.
        assert one == two


@pytest.mark.parametrize("strategy", [["random", "--runs", "30"],
                                      ["pct", "--runs", "30"],
                                      ["dfs", "--preemptions", "1"]])
def test_failure_replays(kpsim, tmp_path, strategy):
    path = write(tmp_path, "bad.kps", FAILING)
    out = kpsim("explore", path, "--strategy", *strategy, check=1, timeout=300).stdout
    cmds = summary(out)["replays"]
    assert cmds
    for cmd in cmds:
        argv = cmd.split()
        assert argv[:3] == ["kpsim", "replay", path]
        rep = kpsim(*argv[1:])
        assert rep.returncode == 1, rep.stderr
        assert "violation A5" in rep.stderr


def test_exit_codes(kpsim, tmp_path):
    ok = write(tmp_path, "ok.kps", PASSING)
    bad = write(tmp_path, "bad.kps", FAILING)
    kpsim("explore", ok, check=0)
    kpsim("explore", bad, "--strategy", "random", "--runs", "20", check=1)
    unknown = write(tmp_path, "key.kps", PASSING.replace("preemptions 1", "bound 1"))
    err = kpsim("explore", unknown, check=2).stderr
    assert re.search(r"key\.kps:10:13: unexpected 'bound'", err)
    kpsim("explore", ok, "--strategy", "bfs", check=2)
    kpsim("explore", ok, "--jobs", "0", check=2)
    proc = kpsim("explore", ok, "--preemptions", "3", "--runs", "5", check=4)
    assert re.search(r"^exploration: incomplete: the budget ended after 5 executions",
                      proc.stdout, re.M)


def test_no_progress_lines_without_a_terminal(kpsim, tmp_path):
    ok = write(tmp_path, "ok.kps", PASSING)
    proc = kpsim("explore", ok, "--strategy", "random", "--runs", "3000", check=0)
    assert proc.stderr == ""
    assert "\r" not in proc.stdout


def test_progress_line_on_a_terminal(kpsim_path, tmp_path):
    import pty
    import subprocess
    path = write(tmp_path, "ok.kps", PASSING)
    master, slave = pty.openpty()
    proc = subprocess.run([kpsim_path, "explore", path, "--strategy", "random",
                           "--runs", "100000000", "--time", "2.5"],
                          stdout=subprocess.PIPE, stderr=slave, text=True, timeout=60)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    assert proc.returncode == 0
    # The run lasts 2.5 s: at least one progress line, rewritten in place.
    assert re.search(rb"\r\x1b\[K\[\d+s\] \d+ executions \(\d+/s\), \d+ states, 0 failures",
                     err), err
    assert "every run done" not in proc.stdout
    assert "the time budget ended it" in proc.stdout


def test_estimate_is_printed_first(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING)
    out = kpsim("explore", path, "--estimate", check=0).stdout.splitlines()
    assert out[0].startswith("explore ")
    m = re.match(r"estimate: (\S+) executions without reduction \(Knuth, 640 random paths; "
                 r"batches of 64: (\S+) to (\S+)\)", out[1])
    assert m, out[1]
    assert float(m.group(2)) <= float(m.group(1)) <= float(m.group(3))


def test_unfinished_dfs_says_when_it_passed_the_estimate(kpsim):
    # ref-2cpu's bound-2 tree (141,066 executions) is estimated at about 1.6e3: a budget
    # of 5,000 ends past the estimate, which the summary must not present as the total.
    path = os.path.join(ROOT, "scenarios", "bench", "ref-2cpu.kps")
    proc = kpsim("explore", path, "--strategy", "dfs", "--preemptions", "2", "--no-reduce",
                 "--runs", "5000", check=4)
    last = proc.stdout.splitlines()[-1]
    m = re.match(r"exploration: incomplete: the budget ended after 5000 executions; the "
                 r"unreduced tree was estimated at (\S+), too low: the search has passed it$",
                 last)
    assert m, last
    assert float(m.group(1)) < 5000


def test_run_reports_an_unfinished_dfs(kpsim, tmp_path):
    path = write(tmp_path, "ok.kps", PASSING.replace("preemptions 1", "preemptions 3 runs 4"))
    proc = kpsim("run", path, check=4)
    assert re.search(r"^INCOMPLETE .*ok\.kps \(4 executions\)", proc.stdout, re.M)
    assert "the runs budget ended before the dfs search was complete" in proc.stderr


def test_model_option(kpsim, tmp_path):
    """--model explores on another port: the A5 of FAILING is the seed's alone (the
    parent removes the jump inside the debugfs write), and the header names the port."""
    bad = write(tmp_path, "bad.kps", FAILING)
    seed = kpsim("explore", bad, "--strategy", "random", "--runs", "20", check=1).stdout
    assert seed.startswith("explore %s: model 6274de4, strategy random" % bad)
    assert re.search(r"^  violation A5 \(", seed, re.M)
    parent = kpsim("explore", bad, "--model", "6274de4^", "--strategy", "random", "--runs",
                   "20", check=0).stdout
    assert parent.startswith("explore %s: model 6274de4^, strategy random" % bad)
    assert "failures: 0 groups" in parent
    only = write(tmp_path, "only.kps", "model 6274de4 only\n" + FAILING)
    err = kpsim("explore", only, "--model", "6274de4^", check=2).stderr
    assert "needs model 6274de4" in err
    assert "unknown model 'nope'" in kpsim("explore", bad, "--model", "nope", check=2).stderr


def test_iterative_bounding_stops_at_the_failing_bound(kpsim, tmp_path):
    path = write(tmp_path, "p1.kps", ONE_PREEMPTION)
    out = kpsim("explore", path, check=1).stdout
    assert out.splitlines()[0].endswith(
        ", preemptions 0, 1, 2, ... (iterative bounding), reduction sleep sets + DPOR, jobs 1")
    s = summary(out)
    assert [b for b, _ in s["bounds"]] == ["0", "1"]
    assert s["bounds"][0][1] == "no failure with up to 0 preemptions (3 executions)"
    m = re.match(r"failures with up to 1 preemption \((\d+) executions, (\d+) failing\)$",
                 s["bounds"][1][1])
    assert m, s["bounds"]
    assert s["executions"] == 3 + int(m.group(1))
    assert s["groups"] == [("expectation %s:9" % path, m.group(2))]
    assert s["exploration"] == ("complete up to 1 preemption "
                                "(stopped at the first bound with a failure)")
    rep = kpsim(*s["replays"][0].split()[1:], check=1)
    assert "expectation failed" in rep.stderr
    # kpsim run follows the same rule for an `explore dfs` line without a bound.
    write(tmp_path, "p1.kps", ONE_PREEMPTION + "explore dfs\n")
    run = kpsim("run", path, check=1).stdout
    assert re.search(r"^FAIL .*p1\.kps \(%d executions" % s["executions"], run, re.M)


def test_iterative_bounding_budget_ends_inside_bound_2(kpsim, tmp_path):
    # Bounds 0 and 1 of PASSING take 2 and 27 executions, bound 2 154.
    path = write(tmp_path, "ok.kps", PASSING.replace("explore dfs preemptions 1", "explore dfs"))
    s = summary(kpsim("explore", path, "--runs", "100", check=4).stdout)
    assert s["bounds"] == [("0", "no failure with up to 0 preemptions (2 executions)"),
                           ("1", "no failure with up to 1 preemption (27 executions)")]
    assert s["executions"] == 100
    assert s["exploration"].startswith(
        "complete up to 1 preemption; incomplete: the budget ended during bound 2 after "
        "100 executions")
    write(tmp_path, "ok.kps", PASSING.replace("explore dfs preemptions 1", "explore dfs runs 100"))
    proc = kpsim("run", path, check=4)
    assert re.search(r"^INCOMPLETE .*ok\.kps \(100 executions\)", proc.stdout, re.M)
    assert ("the runs budget ended before the dfs search was complete "
            "(complete up to 1 preemption)") in proc.stderr


def test_iterative_bounding_exhausts_a_small_tree(kpsim):
    path = os.path.join(DATA, "reads.kps")
    s = summary(kpsim("explore", path).stdout)
    assert s["exploration"] == "complete"
    bounds = s["bounds"]
    assert [int(b) for b, _ in bounds] == list(range(len(bounds)))
    assert all("no execution needs more" not in t for _, t in bounds[:-1])
    last = re.match(r"no failure with up to \d+ preemptions? \((\d+) executions\); "
                    r"no execution needs more: the search is complete$", bounds[-1][1])
    assert last, bounds
    # The last bound was the unbounded search: a bound above it searches the same tree.
    above = summary(kpsim("explore", path, "--preemptions", str(len(bounds))).stdout)
    assert above["executions"] == int(last.group(1))
    assert above["distinct traces"] == s["distinct traces"]
    assert above["bounds"] == []


@pytest.mark.parametrize("name", ["reads.kps", "register-read.kps"])
def test_reduction_keeps_the_traces_of_a_whole_tree(kpsim, name):
    # Bound 5 leaves nothing out of these trees (their iterations end at bound 4).
    path = os.path.join(DATA, name)
    full = summary(kpsim("explore", path, "--no-reduce", "--count-traces", "--preemptions",
                         "5").stdout)
    red = summary(kpsim("explore", path, "--preemptions", "5").stdout)
    assert full["distinct traces"] == red["distinct traces"]
    assert red["distinct traces"] <= red["executions"] < full["executions"]


@pytest.mark.xfail(strict=True, reason="known: under a preemption bound the reduction "
                   "misses traces (1 of 839 here), not final states (docs/explore.md, Limits)")
def test_bounded_reduction_keeps_the_traces(kpsim):
    path = os.path.join(ROOT, "scenarios", "bench", "ref-2cpu.kps")
    args = ("explore", path, "--strategy", "dfs", "--preemptions", "1")
    full = summary(kpsim(*args, "--no-reduce", "--count-traces").stdout)
    red = summary(kpsim(*args).stdout)
    assert full["distinct final states"] == red["distinct final states"]
    assert full["distinct traces"] == red["distinct traces"]


def test_traces_merge_over_jobs(kpsim):
    path = os.path.join(ROOT, "scenarios", "bench", "ref-2cpu.kps")
    args = ("explore", path, "--strategy", "dfs", "--preemptions", "1", "--no-reduce")
    one = summary(kpsim(*args, "--count-traces", "--jobs", "1").stdout)
    two = summary(kpsim(*args, "--count-traces", "--jobs", "2").stdout)
    assert one["distinct traces"] == two["distinct traces"] == 839
    # Without --count-traces the unreduced search does not count them, and says so.
    out = kpsim(*args).stdout
    assert re.search(r"^distinct traces: not counted without the reduction "
                     r"\(--count-traces\)$", out, re.M)
