# SPDX-License-Identifier: GPL-2.0-only
"""The kpsim command line: help, version, exit codes, the demo, replay, trace sinks."""
import json
import os
import re


def test_help_lists_every_command(kpsim):
    out = kpsim("--help", check=0).stdout
    assert "Usage: kpsim" in out
    for cmd in ("run", "explore", "replay", "demo", "bench", "invariants", "models",
                "verdicts"):
        assert re.search(rf"^  {cmd} ", out, re.M), cmd
        # and each command's own --help works
        assert kpsim(cmd, "--help", check=0).stdout.startswith("Usage:")


def test_version(kpsim):
    assert re.fullmatch(r"kpsim \d+\.\d+\.\d+\n", kpsim("--version", check=0).stdout)


def test_usage_errors_exit_2(kpsim):
    assert kpsim(check=2).stderr.startswith("Usage:")
    assert "unknown command 'frobnicate'" in kpsim("frobnicate", check=2).stderr
    assert "unexpected argument" in kpsim("demo", "extra", check=2).stderr
    assert "Unknown option" in kpsim("demo", "--no-such-flag", check=2).stderr
    assert "unknown trace format" in kpsim("demo", "--trace", "xml", check=2).stderr


def test_demo_first_strategy(kpsim):
    proc = kpsim("demo", check=0)
    assert "done after" in proc.stderr
    assert "1 stop_machine" in proc.stderr
    lines = proc.stdout.splitlines()
    # The optimizer runs when the clock reaches its 5-jiffy delay, on the kicking vCPU.
    assert any("tick 5" in l for l in lines)
    assert any("kworker/0" in l and "work-start optimizing_work" in l for l in lines)
    assert any("stop-machine-begin #1" in l for l in lines)


def schedule_of(stderr):
    m = re.search(r"^schedule: (S1:\S*)$", stderr, re.M)
    assert m, stderr
    return m.group(1)


def test_demo_seed_replay_is_identical(kpsim):
    first = kpsim("demo", "--seed", "11", check=0)
    again = kpsim("demo", "--seed", "11", check=0)
    assert first.stdout == again.stdout
    sched = schedule_of(first.stderr)
    replay = kpsim("demo", "--schedule", sched, check=0)
    assert replay.stdout == first.stdout
    assert schedule_of(replay.stderr) == sched


def test_demo_seeds_differ(kpsim):
    scheds = {schedule_of(kpsim("demo", "--seed", str(s), check=0).stderr) for s in range(8)}
    assert len(scheds) > 1


def test_bad_schedule(kpsim):
    err = kpsim("demo", "--schedule", "S1:a?", check=2).stderr
    assert "--schedule:5: not a schedule" in err
    # A schedule naming a vCPU with nothing to run does not fit the workload.
    assert "does not fit" in kpsim("demo", "--schedule", "S1:p", check=2).stderr


def test_json_lines(kpsim):
    out = kpsim("demo", "--trace", "json", check=0).stdout
    events = [json.loads(line) for line in out.splitlines()]
    assert events and {"step", "jiffies", "cpu", "task", "event"} <= set(events[0])
    steps = [e["step"] for e in events]
    assert steps == sorted(steps)
    assert any(e["event"] == "lock" and e["obj"] == "kprobe_mutex" for e in events)


def test_perfetto_json(kpsim):
    doc = json.loads(kpsim("demo", "--trace", "perfetto", check=0).stdout)
    evs = doc["traceEvents"]
    names = {e["args"]["name"] for e in evs if e.get("name") == "thread_name"}
    assert {"cpu0", "cpu1", "engine"} <= names
    # Task slices open and close on each vCPU track.
    for tid in (1, 2):
        depth = 0
        for e in evs:
            if e.get("tid") != tid:
                continue
            if e["ph"] == "B":
                depth += 1
            elif e["ph"] == "E":
                depth -= 1
                assert depth >= 0
        assert depth == 0
    # Lock holds are async slices that begin and end.
    begins = sum(1 for e in evs if e["ph"] == "b")
    assert begins > 0 and begins == sum(1 for e in evs if e["ph"] == "e")


def test_models(kpsim):
    out = kpsim("models", check=0).stdout
    assert re.search(r"^6274de4\s+6274de4984a630b45c6934b3ee62e5692c745328\s+"
                     r"kprobes: Support delayed unoptimizing$", out, re.M)
    assert re.search(r"^6274de4\^\s+61f4e13ffd85c037a942c5b7fd13f2b0c3162862\s+"
                     r"kprobes: Separate kprobe optimizing code from optimizer$", out, re.M)
    # The ports, then the variants of model/variants/ (tests/cli/test_variants.py).
    assert len([line for line in out.splitlines() if "[variant of " not in line]) == 2


def test_invariants_say_which_port(kpsim):
    """Invariants about the seed's delayed unoptimization apply to it alone; S9 to the parent."""
    out = kpsim("invariants", check=0).stdout
    model = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+\S+\s+\S+\s+.{28} (\S+)\s", line)
        assert m, line
        model[m.group(1)] = m.group(2)
    assert model["K1"] == "6274de4" and model["S5"] == "6274de4"
    assert model["S9"] == "6274de4^"
    assert model["S1"] == "all" and model["T2"] == "all" and model["deadlock"] == "all"
    assert set(model.values()) == {"all", "6274de4", "6274de4^"}


def test_invariants_cover_the_catalogue(kpsim):
    out = kpsim("invariants", check=0).stdout
    ids = {line.split()[0] for line in out.splitlines()}
    families = {"K": 10, "T": 7, "S": 8, "H": 4, "P": 3, "M": 4, "A": 8}
    for letter, count in families.items():
        for i in range(1, count + 1):
            assert f"{letter}{i}" in ids, f"{letter}{i}"
    assert {"deadlock", "lock-order", "cpu-torn"} <= ids
    assert "api-misuse" in ids


def test_every_cli_test_file_is_run():
    """tests/cli/meson.build names each file; a file it misses would never run."""
    here = os.path.dirname(os.path.abspath(__file__))
    build = open(os.path.join(here, "meson.build")).read()
    table = build.split("cli_tests = {", 1)[1].split("}", 1)[0]
    listed = set(re.findall(r"'([a-z_]+)' : '[a-z]+'", table))
    files = {f[len("test_"):-len(".py")] for f in os.listdir(here)
             if f.startswith("test_") and f.endswith(".py")}
    assert files == listed
