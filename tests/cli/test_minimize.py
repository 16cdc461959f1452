# SPDX-License-Identifier: GPL-2.0-only
"""kpsim minimize: the output replays with the input's signature and is not larger."""
import os
import re
import stat

import pytest

ROOT = os.environ.get("KPSIM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))

# Corpus scenarios that expect a violation: with their expectations stripped they fail.
CORPUS = [
    "scenarios/debugfs/disarm-leaves-jump.kps",
    "scenarios/debugfs/disarm-races-optimizer.kps",
    "scenarios/sysctl/off-races-optimizer.kps",
]


def stripped(tmp_path, rel):
    with open(os.path.join(ROOT, rel)) as f:
        lines = [l for l in f if not l.startswith("expect")]
    path = tmp_path / os.path.basename(rel)
    path.write_text("".join(lines))
    return str(path)


def size(path):
    """Operations, tasks and probes of a scenario file, counted from its lines."""
    ops = tasks = probes = 0
    with open(path) as f:
        for line in f:
            code = line.split("#", 1)[0]
            if not code.strip():
                continue
            if code[0] in " \t":
                ops += 1
            elif code.startswith("task "):
                tasks += 1
            elif code.startswith("probe "):
                probes += 1
    return ops, tasks, probes


def signature(kpsim, path):
    """The signature the file's own schedule (else its first failure) fails with."""
    proc = kpsim("minimize", path, check=0)
    m = re.search(r"^# Minimized from .*?: (.*)\.$", proc.stdout, re.M)
    assert m, proc.stdout
    return m.group(1)


def check_minimized(kpsim, src, out):
    proc = kpsim("minimize", src, "--out", out, check=0)
    want = re.search(r": (violation .*)$", proc.stdout.splitlines()[0]).group(1)
    text = open(out).read()
    assert re.search(r"^schedule S1:", text, re.M)
    assert "# Command: kpsim minimize" in text
    # It replays: the embedded schedule fails, with the same signature.
    replay = kpsim("replay", out, check=1)
    assert "FAIL violation" in replay.stdout + replay.stderr
    assert signature(kpsim, out) == want
    # Not larger than the input in any count.
    before, after = size(src), size(out)
    assert all(a <= b for a, b in zip(after, before)), (before, after)
    return before, after


@pytest.mark.parametrize("rel", CORPUS)
def test_corpus_violation_minimized(kpsim, tmp_path, rel):
    src = stripped(tmp_path, rel)
    kpsim("run", src, check=1)
    before, after = check_minimized(kpsim, src, str(tmp_path / "min.kps"))
    assert sum(after) < sum(before)


def test_disarm_leaves_jump_is_two_operations(kpsim, tmp_path):
    src = stripped(tmp_path, "scenarios/debugfs/disarm-leaves-jump.kps")
    out = str(tmp_path / "min.kps")
    check_minimized(kpsim, src, out)
    # register and the debugfs write are all it takes (the call and the sleep go).
    assert size(out) == (2, 1, 1)
    assert signature(kpsim, out).startswith("violation A5 (")


def test_fuzz_finding_minimized_again(kpsim, tmp_path):
    out_dir = tmp_path / "found"
    # Run 23 of seed 1 is the first to fail, with eight signatures, each minimized: the
    # slowest call of this file under the sanitizers, hence its own timeout.
    kpsim("fuzz", "--seed", "1", "--runs", "23", "--out", str(out_dir), check=1, timeout=400)
    found = sorted(p for p in os.listdir(out_dir) if p.endswith(".kps"))
    assert found
    src = str(out_dir / found[0])
    check_minimized(kpsim, src, str(tmp_path / "again.kps"))


def test_expectation_failure_keeps_its_line(kpsim, tmp_path):
    src = tmp_path / "exp.kps"
    src.write_text("cpus 2\nprobe a at f_small+0\nprobe b at f_medium+0\n"
                   "task t0 on cpu0:\n    register a -> 0\n    register b -> 0\n"
                   "    call f_small times 3\n    call f_medium\n"
                   "task t1 on cpu1:\n    call f_large\n"
                   "expect end b.hits >= 0\nexpect end a.hits <= 1\n")
    proc = kpsim("minimize", str(src), check=0)
    # The signature names the expectation's line in the original file.
    assert f"expectation {src}:12" in proc.stdout
    out = tmp_path / "min.kps"
    out.write_text(proc.stdout)
    assert size(str(out)) == (2, 1, 1)
    kpsim("replay", str(out), check=1)


def test_exit_codes(kpsim, tmp_path):
    passing = tmp_path / "pass.kps"
    passing.write_text("cpus 1\nprobe a at f_small+0\ntask t0 on cpu0:\n    register a -> 0\n"
                       "    call f_small\n")
    assert kpsim("minimize", str(passing)).returncode == 1
    bad = tmp_path / "bad.kps"
    bad.write_text("cpus 1\ntask t0 on cpu0:\n    frobnicate\n")
    assert kpsim("minimize", str(bad)).returncode == 2
    assert kpsim("minimize").returncode == 2
    assert kpsim("minimize", str(tmp_path / "missing.kps")).returncode == 2
    src = stripped(tmp_path, CORPUS[0])
    assert kpsim("minimize", src, "--model", "nope").returncode == 2
    assert kpsim("minimize", src, "--model", "6274de4").returncode == 0


def test_out_to_a_device_is_written_not_replaced(kpsim, tmp_path):
    src = stripped(tmp_path, CORPUS[0])
    kpsim("minimize", src, "--out", "/dev/null", check=0)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_removing_a_probe_renumbers_the_rest(kpsim, tmp_path):
    # a goes (with its share of the batch and its expectation); b's expectation still fails.
    src = tmp_path / "two.kps"
    src.write_text("cpus 1\nprobe a at f_small+0\nprobe b at f_medium+0\n"
                   "task t0 on cpu0:\n    register a b -> 0\n    call f_small\n"
                   "    call f_medium times 3\n    unregister a\n"
                   "expect end a.hits >= 0\nexpect end b.hits <= 1\n")
    out = tmp_path / "min.kps"
    proc = kpsim("minimize", str(src), "--out", str(out), check=0)
    assert f"expectation {src}:10" in proc.stdout
    text = out.read_text()
    assert "probe a " not in text and "probe b at f_medium" in text
    assert "    register b\n" in text and "expect end b.hits <= 1\n" in text
    assert size(str(out)) == (2, 1, 1)
    kpsim("replay", str(out), check=1)
