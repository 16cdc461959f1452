# SPDX-License-Identifier: GPL-2.0-only
"""Every malformed scenario gives one located error and exit status 2, never a crash."""
import json
import os
import pathlib
import subprocess

import pytest

BAD = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", ".")) / "tests/data/scenarios-bad"


def expected_errors():
    table = {}
    for line in (BAD / "EXPECTED").read_text().splitlines():
        if line and not line.startswith("#"):
            name, message = line.split(": ", 1)
            table[name] = message
    for path in sorted(BAD.glob("*.kps")):
        if path.name in table:
            continue
        first = path.read_bytes().split(b"\n", 1)[0].decode()
        assert first.startswith("# error: "), path.name
        table[path.name] = first[len("# error: "):].rstrip("\r")
    return sorted(table.items())


CASES = expected_errors()


def test_there_are_enough_bad_files():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name,message", CASES, ids=[c[0] for c in CASES])
def test_bad_file(kpsim, name, message):
    path = str(BAD / name)
    proc = kpsim("run", path, check=2)
    assert f"{path}:{message}" in proc.stderr
    assert f"ERROR {path}" in proc.stdout
    # replay refuses it the same way
    assert f"{path}:{message}" in kpsim("replay", path, check=2).stderr


# ---- hostile input: never an abort, a hang or unbounded memory ----

def write(path, text):
    path.write_text(text)
    return str(path)


SLEEP = "cpus 1\ntask t0 on cpu0:\n    sleep 1{ret}\n"


def test_empty_schedule_takes_the_first_option_everywhere(kpsim, tmp_path):
    # "S1:" is what sim_schedule_encode() prints for no choices: a valid schedule.
    ok = write(tmp_path / "e.kps", SLEEP.format(ret="") + "schedule S1:\n")
    assert "PASS" in kpsim("run", ok, check=0).stdout
    kpsim("replay", ok, check=0)
    kpsim("replay", ok, "--schedule", "S1:", check=0)
    bad = write(tmp_path / "f.kps", SLEEP.format(ret=" -> 5") + "schedule S1:\n")
    assert "FAIL" in kpsim("run", bad, check=1).stdout
    assert "sleep" in kpsim("minimize", bad, check=0).stdout


def test_minimize_keeps_an_inline_return_check(kpsim, tmp_path):
    src = write(tmp_path / "r.kps", SLEEP.format(ret=" -> 5"))
    out = kpsim("minimize", src, check=0).stdout
    assert "violation expect (sleep)" in out
    kpsim("run", write(tmp_path / "m.kps", out), check=1)


def test_run_reads_only_regular_files(kpsim, tmp_path):
    proc = kpsim("run", "/dev/zero", check=2, timeout=30)
    assert "/dev/zero" in proc.stderr and "not a regular file" in proc.stderr
    (tmp_path / "zero.kps").symlink_to("/dev/zero")
    assert "zero.kps" in kpsim("run", str(tmp_path), check=2, timeout=30).stderr


def test_run_refuses_a_file_too_large(kpsim, tmp_path):
    big = tmp_path / "big.kps"
    with open(big, "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)
    proc = kpsim("run", str(big), check=2, timeout=30)
    assert f"{big}:" in proc.stderr and "larger than" in proc.stderr


def test_run_does_not_follow_links_back_into_the_walk(kpsim, tmp_path):
    write(tmp_path / "a.kps", SLEEP.format(ret=""))
    (tmp_path / "self").symlink_to(".")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    proc = kpsim("run", str(tmp_path), check=0, timeout=30)
    assert "scenarios: 1 passed, 0 failed" in proc.stdout


def test_run_on_a_directory_without_scenarios(kpsim, tmp_path):
    assert "no scenarios" in kpsim("run", str(tmp_path), check=2).stderr


def test_json_traces_escape_bytes_above_ascii(kpsim_path, tmp_path):
    src = write(tmp_path / "s.kps", "cpus 1\ntask t0 on cpu0:\n"
                "    sysctl write \"\\xff\\x80a\"\n    debugfs write \"\\xc3\"\n")
    proc = subprocess.run([kpsim_path, "replay", "--trace", "json", src],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode("ascii").splitlines()
    assert any("\\u00ff\\u0080a" in line for line in lines)
    for line in lines:
        json.loads(line)
    proc = subprocess.run([kpsim_path, "replay", "--trace", "perfetto", src],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout.decode("ascii"))


@pytest.mark.parametrize("args", [["replay", "--trace", "perfetto"], ["replay"], ["run"],
                                  ["invariants"], ["run", "--help"]],
                         ids=lambda a: "-".join(a))
def test_write_error_on_stdout(kpsim_path, tmp_path, args):
    src = write(tmp_path / "a.kps", SLEEP.format(ret=""))
    files = [src] if args in (["replay", "--trace", "perfetto"], ["replay"], ["run"]) else []
    with open("/dev/full", "w") as full:
        proc = subprocess.run([kpsim_path, *args, *files], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "standard output" in proc.stderr


def test_run_out_keeps_every_failing_copy(kpsim, tmp_path):
    for d, ret in (("a", 5), ("b", 6)):
        (tmp_path / d).mkdir()
        write(tmp_path / d / "x.kps", SLEEP.format(ret=f" -> {ret}"))
    out = tmp_path / "out"
    kpsim("run", "--out", str(out), str(tmp_path / "a/x.kps"), str(tmp_path / "b/x.kps"),
          check=1)
    assert sorted(p.name for p in out.iterdir()) == ["x-2.kps", "x.kps"]
    assert "-> 5" in (out / "x.kps").read_text()
    assert "-> 6" in (out / "x-2.kps").read_text()


def test_newline_in_a_path_stays_out_of_written_files(kpsim, tmp_path):
    d = tmp_path / "a\nb"
    d.mkdir()
    src = write(d / "x.kps", SLEEP.format(ret=" -> 5"))
    out = tmp_path / "out"
    kpsim("run", "--out", str(out), src, check=1)
    kpsim("run", str(out / "x.kps"), check=1)
    mini = kpsim("minimize", src, check=0).stdout
    kpsim("run", write(tmp_path / "m.kps", mini), check=1)
    dest = tmp_path / "o\nut.kps"
    kpsim("minimize", "--out", str(dest), src, check=0)
    kpsim("run", str(dest), check=1)


@pytest.mark.parametrize("option", [["--seed", "-1"], ["--time", "0"], ["--depth", "0"],
                                    ["--preemptions", "-1"], ["--runs", "-1"],
                                    ["--runs", "0"], ["--seed", "x"]],
                         ids=lambda o: "".join(o))
def test_explore_refuses_out_of_range_options(kpsim, tmp_path, option):
    src = write(tmp_path / "a.kps", SLEEP.format(ret=""))
    assert option[0] in kpsim("explore", *option, src, check=2).stderr
