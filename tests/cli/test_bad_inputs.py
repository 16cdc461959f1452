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


# ---- names a run could not resolve: errors of the file, found when it is read ----

NOWHERE = "no symbol 'f_nope' in the image or the scenario"
NO_DECODE = ("function 'f': no instruction decodes at offset 0x1 (unsupported, or cut short "
             "by the end of the function)")
NAME_ERRORS = [
    ("module", "task t on cpu0:\n    module load mod_zzz\n", "2:17: unknown module 'mod_zzz'"),
    ("probe", "probe a at f_nope+0\ntask t on cpu0:\n    register a\n", "1:12: " + NOWHERE),
    ("call", "task t on cpu0:\n    sleep 1\n    call f_nope times 2\n", "3:10: " + NOWHERE),
    ("irq", "task t on cpu0:\n    irq cpu1 f_nope+4\n", "2:14: " + NOWHERE),
    ("text", SLEEP.format(ret="") + "expect end text f_nope == original\n",
     "4:17: " + NOWHERE),
    # a region's name is not a symbol: the module's init function is mod_a_init
    ("region", "probe a at mod_a.init+0\ntask t on cpu0:\n    register a\n",
     "1:12: no symbol 'mod_a.init' in the image or the scenario"),
    # functions a run could not add to the text
    ("clash", "function f_small c3\ntask t on cpu0:\n    call f_small\n",
     "1:10: the image already has a symbol 'f_small'"),
    ("decode", "function f 90 0f ff c3\ntask t on cpu0:\n    call f\n", "1:15: " + NO_DECODE),
]


@pytest.mark.parametrize("name,text,where", NAME_ERRORS, ids=[c[0] for c in NAME_ERRORS])
def test_unknown_name_is_an_error_of_the_file(kpsim, tmp_path, name, text, where):
    path = write(tmp_path / f"{name}.kps", text)
    for command in ("run", "replay", "explore", "minimize", "compare"):
        proc = kpsim(command, path, check=2)
        assert f"{path}:{where}\n" in proc.stderr, command
        # one location, the file named once: nothing of a run wraps it
        assert proc.stderr.count(path) == 1, (command, proc.stderr)


def test_names_a_run_resolves_are_accepted(kpsim, tmp_path):
    # a module's symbol before the module is loaded; a function defined below its uses
    path = write(tmp_path / "ok.kps", "probe r at mod_a_work kretprobe\n"
                 "probe m at mine+1 post\n"
                 "task t0 on cpu0:\n"
                 "    module load mod_a -> 0\n    register r -> 0\n    register m -> 0\n"
                 "    call mod_a_work\n    irq cpu1 mine\n    call mine times 2\n"
                 "expect end m.hits >= 2\n"
                 "expect end text mine+1 != original\n"
                 "function mine 55 48 89 e5 5d c3\n")
    assert "PASS" in kpsim("run", path, check=0).stdout


# ---- the scenario text: what the limits allow fits, one byte more is refused ----

def functions(n, size, last=""):
    body = " ".join(["90"] * (size - 1) + ["c3"])
    lines = [f"function g{i:04d} {body}\n" for i in range(n)]
    return "".join(lines) + last + f"task t on cpu0:\n    call g{n - 1:04d}\n"


@pytest.mark.parametrize("n,size,where", [
    (256, 4096, "257:10: function 'h' does not fit: the functions take more than 1048576 "
                "bytes of scenario text"),
    (1024, 1024, "1025:1: more than 1024 functions"),
], ids=["largest", "most"])
def test_scenario_text_holds_the_documented_limits(kpsim, tmp_path, n, size, where):
    # 1 MiB of scenario text exactly: 256 functions of 4096 bytes, or 1024 of 1024
    full = write(tmp_path / "full.kps", functions(n, size))
    assert "PASS" in kpsim("run", full, check=0).stdout
    more = write(tmp_path / "more.kps", functions(n, size, "function h c3\n"))
    assert f"{more}:{where}" in kpsim("run", more, check=2).stderr


# ---- replay --until ----

@pytest.mark.parametrize("value", ["0", "-1", "x", "9223372036854775808"])
def test_replay_until_takes_a_decision_number(kpsim, tmp_path, value):
    src = write(tmp_path / "a.kps", SLEEP.format(ret=""))
    stderr = kpsim("replay", "--until", value, src, check=2).stderr
    assert f"--until takes a decision number from 1 to 9223372036854775807, not '{value}'" \
        in stderr


def test_replay_until_one_stops_before_the_first_decision(kpsim, tmp_path):
    src = write(tmp_path / "a.kps", SLEEP.format(ret=""))
    assert "stopped after 0 decisions" in kpsim("replay", "--until", "1", src, check=0).stderr


# ---- allow ----

@pytest.mark.parametrize("header,where", [
    ("allow A5 Z9\n", "1:10: unknown invariant 'Z9'"),
    ("allow\n", "1:6: missing invariant id"),
    ("allow A5 expect\nallow T2 A5\n", "2:10: 'A5' is already allowed (line 1)"),
], ids=["unknown", "empty", "twice"])
def test_allow_takes_known_ids_once(kpsim, tmp_path, header, where):
    src = write(tmp_path / "a.kps", header + SLEEP.format(ret=""))
    assert f"{src}:{where}" in kpsim("run", src, check=2).stderr


def test_allow_lines_parse(kpsim, tmp_path):
    src = write(tmp_path / "a.kps", "allow A5 lock-order\nallow expect\n" +
                SLEEP.format(ret=""))
    assert "PASS" in kpsim("run", src, check=0).stdout
    late = write(tmp_path / "b.kps", SLEEP.format(ret="") + "allow A5\n")
    assert f"{late}:4:1: 'allow' must come before other statements" in \
        kpsim("run", late, check=2).stderr
