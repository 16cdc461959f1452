# SPDX-License-Identifier: GPL-2.0-only
"""kpsim fuzz: determinism from the seed, --jobs, resume, findings that replay, exit codes."""
import os
import re
import stat

import pytest

RUNS = 60


def summary(stdout):
    """The summary's signature lines: {signature: file}."""
    sigs = {}
    tail = stdout.split("\nsignatures: ", 1)[1]
    for line in tail.splitlines()[1:]:
        m = re.match(r"  (.*): (\S+)$", line)
        if m:
            sigs[m.group(1)] = m.group(2)
    return sigs


def failing_runs(stdout):
    return re.findall(r"^failing run: seed \d+ run (\d+): ", stdout, re.M)


def kps_files(d):
    return sorted(p for p in os.listdir(d) if p.endswith(".kps"))


@pytest.fixture(scope="module")
def reference(kpsim_path, tmp_path_factory):
    """One campaign of RUNS runs, seed 1, one job, with an output directory."""
    import subprocess
    d = tmp_path_factory.mktemp("ref")
    proc = subprocess.run([kpsim_path, "fuzz", "--seed", "1", "--runs", str(RUNS), "--out",
                           str(d)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    return d, proc.stdout


def test_findings_replay(kpsim, reference):
    d, out = reference
    sigs = summary(out)
    assert sigs and sorted(sigs.values()) == kps_files(d)
    for sig, name in sigs.items():
        text = (d / name).read_text()
        assert f"# Signature: {sig}\n" in text
        assert re.search(r"^# Found by kpsim fuzz: seed 1, run \d+", text, re.M)
        assert "# Parameters: cpus=" in text
        assert "# Command: kpsim fuzz --seed 1" in text
        assert re.search(r"^schedule S1:", text, re.M)
        kpsim("replay", str(d / name), check=1)
        # The embedded schedule fails with the file's signature.
        again = kpsim("minimize", str(d / name), check=0)
        assert f": {sig}.\n" in again.stdout


def test_same_seed_same_signatures(kpsim, reference, tmp_path):
    _, out = reference
    again = kpsim("fuzz", "--seed", "1", "--runs", str(RUNS), check=1)
    assert set(summary(again.stdout)) == set(summary(out))
    assert failing_runs(again.stdout) == failing_runs(out)
    other = kpsim("fuzz", "--seed", "2", "--runs", "20")
    assert other.returncode in (0, 1)
    # Without --out nothing is written: the signatures have no file.
    assert all(v == "-" for v in summary(again.stdout).values())


def test_jobs_do_not_change_findings(kpsim, reference):
    # Without --out nothing is minimized (the files' equality is test_search_fuzz's).
    d, out = reference
    proc = kpsim("fuzz", "--seed", "1", "--runs", str(RUNS), "--jobs", "2", check=1)
    assert set(summary(proc.stdout)) == set(summary(out))
    assert failing_runs(proc.stdout) == failing_runs(out)


def test_resume_keeps_and_does_not_duplicate(kpsim, reference, tmp_path):
    d, out = reference
    part = tmp_path / "part"
    first = kpsim("fuzz", "--seed", "1", "--runs", "30", "--out", str(part))
    assert first.returncode in (0, 1)
    kept = {n: (part / n).read_text() for n in kps_files(part)}
    state = (part / "fuzz-state").read_text()
    assert "seed 1 next 30\n" in state
    rest = kpsim("fuzz", "--seed", "1", "--runs", str(RUNS), "--out", str(part), "--jobs", "2")
    assert rest.returncode in (0, 1)
    assert f"run indices 30..{RUNS} done" in rest.stdout
    # Every finding of the first part is still there, unchanged; none is written twice.
    for n, text in kept.items():
        assert (part / n).read_text() == text
    assert kps_files(part) == kps_files(d)
    assert summary(rest.stdout) == summary(out)
    # Nothing left to do: a third start runs nothing and writes nothing.
    third = kpsim("fuzz", "--seed", "1", "--runs", str(RUNS), "--out", str(part))
    assert third.returncode == 0
    assert "runs: 0" in third.stdout
    assert kps_files(part) == kps_files(d)


def test_time_budget_and_progress_state(kpsim, tmp_path):
    d = tmp_path / "timed"
    proc = kpsim("fuzz", "--seed", "5", "--time", "1", "--out", str(d))
    assert proc.returncode in (0, 1)
    m = re.search(r"seed 5 next (\d+)", (d / "fuzz-state").read_text())
    assert m and int(m.group(1)) > 0


def test_exit_codes(kpsim, tmp_path):
    # Runs 0..4 of seed 1 pass.
    assert kpsim("fuzz", "--seed", "1", "--runs", "5").returncode == 0
    assert kpsim("fuzz", "--seed", "1").returncode == 2
    assert kpsim("fuzz", "--runs", "0").returncode == 2
    assert kpsim("fuzz", "--runs", "5", "--strategy", "dfs").returncode == 2
    assert kpsim("fuzz", "--runs", "5", "--jobs", "0").returncode == 2
    assert kpsim("fuzz", "--runs", "5", "--model", "nope").returncode == 2
    assert kpsim("fuzz", "--runs", "5", "extra").returncode == 2
    # An output "directory" that is a device: refused, and the device is left alone.
    assert kpsim("fuzz", "--runs", "5", "--out", "/dev/null").returncode == 2
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    pct = kpsim("fuzz", "--seed", "1", "--runs", "20", "--strategy", "pct")
    assert pct.returncode in (0, 1)
    assert "pct schedules per run" in pct.stdout


def test_show_prints_the_generated_scenario(kpsim, tmp_path):
    a = kpsim("fuzz", "--seed", "3", "--show", "17", check=0).stdout
    b = kpsim("fuzz", "--seed", "3", "--show", "17", check=0).stdout
    assert a == b and a.startswith("# seed 3 run 17: cpus=")
    path = tmp_path / "r17.kps"
    path.write_text(a)
    assert kpsim("run", str(path)).returncode in (0, 1)


def hotplug_and_module_tasks(text):
    """{"cpu": tasks with a cpu operation, "module": tasks with a module operation}."""
    out = {"cpu": set(), "module": set()}
    task = None
    for line in text.splitlines():
        m = re.match(r"task (\S+) on ", line)
        if m:
            task = m.group(1)
        m = re.match(r"    (cpu|module) ", line)
        if m:
            out[m.group(1)].add(task)
    return out


def test_generator_2_spreads_hotplug_and_modules(kpsim):
    shown = {}
    for version in ("1", "2"):
        shown[version] = [kpsim("fuzz", "--generator", version, "--seed", "5", "--show", str(i),
                                check=0).stdout for i in range(60)]
    spread = {"cpu": 0, "module": 0}
    for one, two in zip(shown["1"], shown["2"]):
        # The same draws: the parameters line is the same in both versions.
        assert one.splitlines()[0] == two.splitlines()[0]
        for kind, tasks in hotplug_and_module_tasks(one).items():
            assert len(tasks) <= 1, one
        for kind, tasks in hotplug_and_module_tasks(two).items():
            spread[kind] += len(tasks) > 1
    assert spread["cpu"] and spread["module"], spread
    # Version 1 is the default.
    assert kpsim("fuzz", "--seed", "5", "--show", "7", check=0).stdout == shown["1"][7]
    assert kpsim("fuzz", "--generator", "3", "--runs", "1").returncode == 2
    assert kpsim("fuzz", "--generator", "0", "--runs", "1").returncode == 2


def test_generator_2_campaign_has_its_own_state(kpsim, tmp_path):
    out = tmp_path / "f"
    # Few runs: every finding is minimized, which is most of the time under coverage.
    one = kpsim("fuzz", "--seed", "1", "--runs", "12", "--out", str(out))
    two = kpsim("fuzz", "--generator", "2", "--seed", "1", "--runs", "12", "--out", str(out))
    assert one.returncode in (0, 1) and two.returncode in (0, 1)
    assert ", generator 2," in two.stdout
    state = (out / "fuzz-state").read_text()
    assert "model 6274de4 strategy random schedules 20 seed 1 next 12\n" in state
    assert "model 6274de4 strategy random schedules 20 seed 1 generator 2 next 12\n" in state
    # Resuming version 2 starts where it stopped, not from version 1's line.
    again = kpsim("fuzz", "--generator", "2", "--seed", "1", "--runs", "16", "--out", str(out))
    assert "run indices 12..16 done" in again.stdout
