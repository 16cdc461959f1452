# SPDX-License-Identifier: GPL-2.0-only
"""Sharding and merging (docs/scaling.md): N shards of a fuzzing campaign find, merged,
what the unsharded campaign finds, and N shards of an exploration reach together its
final states and failure groups; run by GNU parallel on this machine (--sshlogin :),
by the Slurm array script and by the Kubernetes manifest's command, with the scheduler's
variables set as the scheduler would set them."""
import os
import re
import shutil
import subprocess
import time

import pytest

ROOT = os.environ.get("KPSIM_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SCALING = os.path.join(ROOT, "tools", "scaling")
# A small campaign whose failing runs fall in three of four shards (runs 85 and 177 in
# shard 1, 170 in shard 2, 196 in shard 0), one signature (A5) in two of them.
CAMPAIGN = ["--seed", "6", "--runs", "300", "--schedules", "5"]
KEY = "model 6274de4 strategy random schedules 5 seed 6"
# dfs at bound 1 with failing and passing executions and seven failure groups.
EXPLORE = os.path.join(ROOT, "scenarios", "findings", "arm-all-writes-int3-into-jump.kps")


def signatures(d):
    """{signature: file name} of a findings directory."""
    out = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".kps") and not name.startswith("."):
            with open(os.path.join(d, name)) as f:
                m = re.search(r"^# Signature: (.*)$", f.read(), re.M)
            assert m, name
            out[m.group(1)] = name
    return out


def contents(d):
    """Every file of d but the lock, name -> bytes."""
    out = {}
    for name in sorted(os.listdir(d)):
        if name != ".lock":
            with open(os.path.join(d, name), "rb") as f:
                out[name] = f.read()
    return out


def failing_runs(text):
    return sorted(int(n) for n in re.findall(r"failing run: seed \d+ run (\d+):", text))


@pytest.fixture(scope="module")
def whole(kpsim_path, tmp_path_factory):
    """The unsharded campaign: its directory and output."""
    d = tmp_path_factory.mktemp("whole") / "out"
    proc = subprocess.run([kpsim_path, "fuzz", *CAMPAIGN, "--out", str(d)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert len(signatures(d)) >= 4
    return d, proc.stdout


@pytest.fixture(scope="module")
def gnu_parallel():
    path = shutil.which("parallel")
    if not path:
        pytest.fail("GNU parallel is not installed (tools/scripts/setup-debian.sh installs it)")
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    # moreutils has a `parallel` of its own, which takes other options.
    assert version.startswith("GNU parallel"), version
    return path


def env_with(kpsim_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "PARALLEL", "JOB_COMPLETION", "KPSIM_SHARD"))}
    env["KPSIM"] = kpsim_path
    env.update(extra)
    return env


def test_four_shards_under_gnu_parallel_find_what_one_campaign_finds(
        kpsim, kpsim_path, whole, gnu_parallel, tmp_path):
    whole_dir, whole_out = whole
    out = tmp_path / "merged"
    start = time.monotonic()
    proc = subprocess.run(["sh", os.path.join(SCALING, "parallel-fuzz.sh"), "-S", ":",
                           "-n", "4", str(out), *CAMPAIGN], capture_output=True,
                          text=True, env=env_with(kpsim_path), timeout=300)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    # Each shard says which it is, and did its quarter of the run indices.
    for k in range(4):
        assert re.search(rf"^{k}\tfuzz: .*, shard {k}/4, ", proc.stdout, re.M), proc.stdout
        assert re.search(rf"^{k}\truns: 75 \(shard {k}/4: ", proc.stdout, re.M)
    # Together they ran the failing runs of the one campaign, and found its signatures.
    assert failing_runs(proc.stdout) == failing_runs(whole_out)
    shards = [signatures(tmp_path / "merged.shards" / f"shard-{k}") for k in range(4)]
    assert sum(1 for s in shards if s) >= 3
    merged = signatures(out)
    assert sorted(merged) == sorted(signatures(whole_dir))
    assert sorted(merged) == sorted(set().union(*shards))
    # Each merged file is one shard's file of its signature, whole.
    for sig, name in merged.items():
        text = (out / name).read_text()
        assert any(sig in s and text == (tmp_path / "merged.shards" / f"shard-{k}" /
                                         s[sig]).read_text() for k, s in enumerate(shards))
    # The shards' state lines make the whole campaign's: resumed unsharded, it is done.
    assert f"\n{KEY} next 300\n" in (out / "fuzz-state").read_text()
    again = kpsim("fuzz", *CAMPAIGN, "--out", str(out))
    assert "runs: 0 (run indices 300..300 done)" in again.stdout, again.stdout
    print(f"4 shards under GNU parallel and the merge: {elapsed:.2f} s")


def shard_sections(text):
    """parallel --tag output -> {shard: its lines}."""
    out = {}
    for line in text.splitlines():
        tag, _, rest = line.partition("\t")
        out.setdefault(int(tag), []).append(rest)
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


def groups(text):
    return {k: int(n) for k, n in re.findall(r"^  (\S.*): (\d+) executions?$", text, re.M)}


def count(text, what):
    return int(re.search(rf"^{what}: (\d+)", text, re.M).group(1))


# dfs with the shard given, random with the shard parallel's job sequence number makes.
@pytest.mark.parametrize("strategy,shard", [
    (["--strategy", "dfs", "--preemptions", "1"], "{}/4"),
    (["--strategy", "random", "--runs", "200", "--seed", "5"], "auto"),
])
def test_explore_shards_under_gnu_parallel_unite_to_the_unsharded_search(
        kpsim, kpsim_path, gnu_parallel, tmp_path, strategy, shard):
    one = kpsim("explore", EXPLORE, *strategy, "--states", str(tmp_path / "one"))
    # dfs: any split of the tree runs the same executions (docs/explore.md, Jobs), which
    # differ from one process's only in the top's reduction.
    split = kpsim("explore", EXPLORE, *strategy, "--jobs", "2")
    proc = subprocess.run([gnu_parallel, "--sshlogin", ":", "--env", "KPSIM_SHARD_COUNT",
                           "--tag", kpsim_path, "explore", EXPLORE, *strategy, "--shard",
                           shard, "--states", str(tmp_path / "states-{}"), ":::", "0", "1",
                           "2", "3"], capture_output=True, text=True, timeout=300,
                          env=env_with(kpsim_path, KPSIM_SHARD_COUNT="4"))
    # Every shard has failing executions: parallel counts four failed jobs.
    assert proc.returncode == 4, (proc.stdout, proc.stderr)
    shards = shard_sections(proc.stdout)
    assert sorted(shards) == [0, 1, 2, 3]
    states, union = set(), {}
    for k, text in shards.items():
        assert f"shard {k}/4: " in text
        assert re.search(rf", jobs 1, shard {k}/4" + (
            rf" \(PARALLEL_SEQ={k + 1}, KPSIM_SHARD_COUNT=4\)$" if shard == "auto" else "$"),
            text, re.M), text
        states |= set((tmp_path / f"states-{k}").read_text().split())
        for g, n in groups(text).items():
            union[g] = union.get(g, 0) + n
    assert states == set((tmp_path / "one").read_text().split())
    assert len(states) == count(one.stdout, "distinct final states") > 1
    assert sorted(union) == sorted(groups(one.stdout))
    # The shards' executions and group counts add up to a split search's.
    assert sum(count(t, "executions") for t in shards.values()) == count(split.stdout,
                                                                          "executions")
    assert union == groups(split.stdout)


def test_a_failing_shard_fails_the_parallel_script(kpsim_path, gnu_parallel, tmp_path):
    proc = subprocess.run(["sh", os.path.join(SCALING, "parallel-fuzz.sh"), "-n", "2",
                           str(tmp_path / "out"), "--runs", "1", "--no-such-option"],
                          capture_output=True, text=True, env=env_with(kpsim_path),
                          timeout=300)
    assert proc.returncode == 1
    assert "a shard failed (see " in proc.stderr
    assert not (tmp_path / "out").exists()


def test_the_documentation_shows_the_recipes_as_they_are():
    """docs/scaling.md shows every file of tools/scaling whole, as it is."""
    doc = open(os.path.join(ROOT, "docs", "scaling.md")).read()
    shown = dict(re.findall(r"^`(tools/scaling/[^`]+)`:\n\n```\w+\n(.*?)^```$", doc,
                            re.M | re.S))
    assert sorted(shown) == sorted(f"tools/scaling/{f}" for f in os.listdir(SCALING))
    for path, text in shown.items():
        assert open(os.path.join(ROOT, path)).read() == text, path


def test_a_shard_shares_its_part_between_its_jobs(kpsim, tmp_path):
    args = ("explore", EXPLORE, "--strategy", "dfs", "--preemptions", "1", "--shard", "1/4")
    a = kpsim(*args, "--states", str(tmp_path / "a"))
    b = kpsim(*args, "--jobs", "3", "--states", str(tmp_path / "b"))
    assert count(a.stdout, "executions") == count(b.stdout, "executions")
    assert groups(a.stdout) == groups(b.stdout)
    assert (tmp_path / "a").read_text() == (tmp_path / "b").read_text()
    # And so does a fuzzing shard: the same runs, the same failures.
    one = kpsim("fuzz", *CAMPAIGN, "--shard", "1/4")
    three = kpsim("fuzz", *CAMPAIGN, "--shard", "1/4", "--jobs", "3")
    assert failing_runs(one.stdout) == failing_runs(three.stdout) == [85, 177]


def test_iterating_dfs_is_not_sharded(kpsim):
    proc = kpsim("explore", EXPLORE, "--strategy", "dfs", "--shard", "0/2", check=2)
    assert "--shard with dfs needs --preemptions K" in proc.stderr


def test_the_slurm_array_script_with_ids_from_1(kpsim, kpsim_path, whole, tmp_path):
    whole_dir, whole_out = whole
    results = tmp_path / "results"
    runs = []
    # sbatch --array=1-4: the ids start at 1, the shards at 0.
    for task in range(1, 5):
        env = env_with(kpsim_path, RESULTS=str(results), SEED="6", RUNS="300",
                       SCHEDULES="5", SLURM_ARRAY_TASK_ID=str(task),
                       SLURM_ARRAY_TASK_MIN="1", SLURM_ARRAY_TASK_MAX="4",
                       SLURM_ARRAY_TASK_COUNT="4", SLURM_ARRAY_JOB_ID="77",
                       SLURM_CPUS_PER_TASK="1")
        proc = subprocess.run(["sh", os.path.join(SCALING, "slurm-fuzz.sbatch")],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, (proc.stdout, proc.stderr)
        assert f"shard {task - 1}/4 (SLURM_ARRAY_TASK_ID={task}," in proc.stdout
        runs += failing_runs(proc.stdout)
    assert sorted(runs) == failing_runs(whole_out)
    proc = subprocess.run(["sh", os.path.join(SCALING, "slurm-merge.sbatch")],
                          capture_output=True, text=True,
                          env=env_with(kpsim_path, RESULTS=str(results)), timeout=300)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(signatures(results / "merged")) == sorted(signatures(whole_dir))


def manifest_script(path):
    """The `sh -c` script of a manifest's container (its args: - | block)."""
    lines = open(path).read().splitlines()
    at = next(i for i, l in enumerate(lines) if l.strip() == "- |")
    indent = len(lines[at + 1]) - len(lines[at + 1].lstrip())
    body = []
    for l in lines[at + 1:]:
        if l.strip() and len(l) - len(l.lstrip()) < indent:
            break
        body.append(l[indent:])
    return "\n".join(body) + "\n"


def test_the_kubernetes_manifests(kpsim_path, whole, tmp_path):
    whole_dir, _ = whole
    job = open(os.path.join(SCALING, "k8s-fuzz-job.yaml")).read()
    assert re.search(r"^  completionMode: Indexed$", job, re.M)
    completions = re.search(r"^  completions: (\d+)$", job, re.M).group(1)
    env = dict(re.findall(r'- name: (\w+)\n\s+value: "([^"]*)"', job))
    # Kubernetes does not export the completions: the manifest must give the same count.
    assert env["KPSIM_SHARD_COUNT"] == completions
    # The pods' command, with /results on a directory here and kpsim on the PATH.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(kpsim_path, bindir / "kpsim")
    results = tmp_path / "results"
    fuzz = manifest_script(os.path.join(SCALING, "k8s-fuzz-job.yaml"))
    merge = manifest_script(os.path.join(SCALING, "k8s-merge-job.yaml"))
    assert "--shard auto" in fuzz
    env.update(SEED="6", RUNS="300")
    for index in range(int(completions)):
        e = env_with(kpsim_path, **env, JOB_COMPLETION_INDEX=str(index),
                     PATH=f"{bindir}:{os.environ['PATH']}")
        script = fuzz.replace("/results", str(results)).replace(
            "kpsim fuzz", "kpsim fuzz --schedules 5")
        proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=e,
                              timeout=300)
        assert proc.returncode == 0, (proc.stdout, proc.stderr)
        assert f"shard {index}/4 (JOB_COMPLETION_INDEX={index}, KPSIM_SHARD_COUNT=4)" \
            in proc.stdout
    proc = subprocess.run(["sh", "-c", merge.replace("/results", str(results))],
                          capture_output=True, text=True,
                          env=env_with(kpsim_path, PATH=f"{bindir}:{os.environ['PATH']}"),
                          timeout=300)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(signatures(results / "merged")) == sorted(signatures(whole_dir))


@pytest.mark.parametrize("env,shard", [
    ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "8",
      "SLURM_ARRAY_TASK_COUNT": "4"}, "2/4"),
    ({"SLURM_ARRAY_TASK_ID": "20", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "30",
      "SLURM_ARRAY_TASK_STEP": "10", "SLURM_ARRAY_TASK_COUNT": "4"}, "2/4"),
    ({"JOB_COMPLETION_INDEX": "0", "KPSIM_SHARD_COUNT": "3"}, "0/3"),
    ({"PARALLEL_SEQ": "3", "KPSIM_SHARD_COUNT": "3"}, "2/3"),
])
def test_shard_auto_reads_the_scheduler(kpsim_path, env, shard):
    proc = subprocess.run([kpsim_path, "fuzz", "--runs", "1", "--schedules", "1",
                           "--shard", "auto"], capture_output=True, text=True,
                          env=env_with(kpsim_path, **env), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f", shard {shard} (" in proc.stdout.splitlines()[0]


@pytest.mark.parametrize("env,message", [
    ({}, "none of SLURM_ARRAY_TASK_ID (a Slurm job array, with SLURM_ARRAY_TASK_MIN and "
         "SLURM_ARRAY_TASK_COUNT), JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with "
         "KPSIM_SHARD_COUNT set to its completions) or PARALLEL_SEQ"),
    ({"JOB_COMPLETION_INDEX": "1"}, "JOB_COMPLETION_INDEX is set (the Kubernetes Indexed "
                                    "Job) but KPSIM_SHARD_COUNT is not"),
    ({"JOB_COMPLETION_INDEX": "4", "KPSIM_SHARD_COUNT": "4"},
     "JOB_COMPLETION_INDEX=4 is task 5 of the Kubernetes Indexed Job, but "
     "KPSIM_SHARD_COUNT=4"),
    ({"PARALLEL_SEQ": "0", "KPSIM_SHARD_COUNT": "4"}, "PARALLEL_SEQ=0 is not a number"),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1",
      "SLURM_ARRAY_TASK_MAX": "9", "SLURM_ARRAY_TASK_COUNT": "3"},
     "the Slurm array is not a range MIN-MAX[:STEP]"),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"},
     "SLURM_ARRAY_TASK_MIN is not set"),
    ({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0",
      "SLURM_ARRAY_TASK_COUNT": "2", "PARALLEL_SEQ": "1", "KPSIM_SHARD_COUNT": "2"},
     "SLURM_ARRAY_TASK_ID and PARALLEL_SEQ are both set"),
])
@pytest.mark.parametrize("command", ["fuzz", "explore"])
def test_shard_auto_without_a_usable_scheduler_is_refused(kpsim_path, env, message,
                                                          command, tmp_path):
    args = ["--runs", "1"] if command == "fuzz" else [EXPLORE, "--strategy", "random"]
    proc = subprocess.run([kpsim_path, command, *args, "--shard", "auto", "--out" if
                           command == "fuzz" else "--states", str(tmp_path / "x")],
                          capture_output=True, text=True, env=env_with(kpsim_path, **env),
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"kpsim {command}: --shard auto: ")
    assert message in proc.stderr, proc.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("bad", ["4/4", "1/0", "-1/4", "1/", "/4", "1/2/3", "x", "1/1000001"])
def test_a_bad_shard_is_refused(kpsim, bad):
    proc = kpsim("fuzz", "--runs", "1", "--shard", bad, check=2)
    assert f"--shard takes K/N with 0 <= K < N <= 1000000, or auto, not '{bad}'" in proc.stderr


@pytest.fixture(scope="module")
def shard_dirs(kpsim_path, tmp_path_factory):
    base = tmp_path_factory.mktemp("shards")
    dirs = []
    for k in range(4):
        d = base / f"shard-{k}"
        subprocess.run([kpsim_path, "fuzz", *CAMPAIGN, "--shard", f"{k}/4", "--out", str(d)],
                       capture_output=True, timeout=300)
        dirs.append(str(d))
    return dirs


def test_a_shard_state_line_is_its_own(shard_dirs):
    text = open(os.path.join(shard_dirs[2], "fuzz-state")).read()
    assert text.endswith(f"\n{KEY} shard 2/4 next 300\n")


def test_merge_does_not_depend_on_the_order_of_the_directories(kpsim, shard_dirs, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    kpsim("fuzz", "merge", str(a), *shard_dirs, check=0)
    kpsim("fuzz", "merge", str(b), *reversed(shard_dirs), check=0)
    assert contents(a) == contents(b)
    # Merged again, nothing changes.
    again = kpsim("fuzz", "merge", str(a), *shard_dirs, check=0)
    assert contents(a) == contents(b)
    assert f"signatures: {len(signatures(a))} (0 new, 0 replaced by a smaller reproducer, " \
        f"{len(signatures(a))} kept)" in again.stdout


def one_more_operation(text):
    """The same finding, one operation larger (a sleep after its first operation)."""
    lines = text.splitlines(keepends=True)
    at = next(i for i, l in enumerate(lines) if l.startswith("task "))
    lines.insert(at + 2, "    sleep 1\n")
    return "".join(lines)


def test_merge_keeps_the_smallest_reproducer(kpsim, shard_dirs, tmp_path):
    src = signatures(shard_dirs[1])
    sig = "violation A5 (checker) [debugfs write: the address holds a jump]"
    small = open(os.path.join(shard_dirs[1], src[sig])).read()
    big = one_more_operation(small)
    for name in ("a", "b", "out"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "x.kps").write_text(big)
    (tmp_path / "b" / "y.kps").write_text(small)
    # OUT holds the larger one under a name of its own, and another finding.
    (tmp_path / "out" / "mine.kps").write_text(big)
    (tmp_path / "out" / "other.kps").write_text(
        open(os.path.join(shard_dirs[0], signatures(shard_dirs[0])[
            "violation P3 (checker) [debugfs write: the probe disarmed -> int3]"])).read())
    proc = kpsim("fuzz", "merge", str(tmp_path / "out"), str(tmp_path / "a"),
                 str(tmp_path / "b"), check=0)
    # The smaller one, in the file OUT had for the signature.
    assert (tmp_path / "out" / "mine.kps").read_text() == small
    assert sorted(signatures(tmp_path / "out")) == sorted([
        sig, "violation P3 (checker) [debugfs write: the probe disarmed -> int3]"])
    assert f"{sig}: mine.kps (replaced by {tmp_path / 'b' / 'y.kps'}" in proc.stdout
    assert "signatures: 2 (0 new, 1 replaced by a smaller reproducer, 1 kept)" in proc.stdout
    # The larger one never replaces it.
    kpsim("fuzz", "merge", str(tmp_path / "out"), str(tmp_path / "a"), check=0)
    assert (tmp_path / "out" / "mine.kps").read_text() == small


def test_an_interrupted_merge_run_again_gives_the_same_out(kpsim, kpsim_path, shard_dirs,
                                                          tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    kpsim("fuzz", "merge", str(full), *shard_dirs, check=0)
    sigs = signatures(full)
    assert len(sigs) >= 4
    # What a merge stopped after its second file leaves: the files of the first two
    # signatures in sorted order, a temporary file of the third, no state yet.
    os.mkdir(part)
    for sig in sorted(sigs)[:2]:
        shutil.copy(full / sigs[sig], part / sigs[sig])
    third = sigs[sorted(sigs)[2]]
    (part / f".{third}.tmp-Ab12Cd").write_text("# half a file")
    kpsim("fuzz", "merge", str(part), *shard_dirs, check=0)
    assert contents(part) == contents(full)
    # Killed for real at some point: run again, the same OUT.
    for delay in (0.0, 0.02, 0.05):
        d = tmp_path / f"killed-{delay}"
        p = subprocess.Popen([kpsim_path, "fuzz", "merge", str(d), *shard_dirs],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.kill()
        p.wait()
        kpsim("fuzz", "merge", str(d), *shard_dirs, check=0)
        assert contents(d) == contents(full)


def test_merge_of_a_finding_without_a_signature_and_bad_directories(kpsim, shard_dirs,
                                                                   tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "note.kps").write_text("cpus 1\n")
    proc = kpsim("fuzz", "merge", str(tmp_path / "out"), str(tmp_path / "in"), check=0)
    assert f"skipped {tmp_path / 'in' / 'note.kps'}: no \"# Signature:\" line" in proc.stdout
    proc = kpsim("fuzz", "merge", str(tmp_path / "out"), str(tmp_path / "nothing"), check=2)
    assert f"{tmp_path / 'nothing'} is not a directory" in proc.stderr
    proc = kpsim("fuzz", "merge", str(tmp_path / "out"), str(tmp_path / "out"), check=2)
    assert "is the output directory" in proc.stderr
    kpsim("fuzz", "merge", str(tmp_path / "out"), check=2)
    # A corrupt state line in an input is refused, naming its file and line.
    bad = tmp_path / "bad"
    shutil.copytree(shard_dirs[0], bad)
    (bad / "fuzz-state").write_text(f"# kpsim fuzz\n{KEY} next -1\n")
    proc = kpsim("fuzz", "merge", str(tmp_path / "out2"), str(bad), check=2)
    assert f"{bad / 'fuzz-state'}:2: " in proc.stderr
    # Found before anything was written.
    assert sorted(os.listdir(tmp_path / "out2")) == [".lock"]
