# SPDX-License-Identifier: GPL-2.0-only
"""kpsim fuzz's output directory: its lock, its errors, its stale temporary files, modes."""
import fcntl
import os
import subprocess

import pytest

KEY = "model 6274de4 strategy random schedules 20 seed 1"


def test_a_directory_in_use_is_refused(kpsim, tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    # Hold the lock kpsim fuzz takes, as a second campaign would.
    with open(d / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        f.write(f"{os.getpid()}\n")
        f.flush()
        proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=2)
        assert f"{d} is in use by another kpsim fuzz (pid {os.getpid()})" in proc.stderr
        assert "internal error" not in proc.stderr
        # Nothing was written: the holder's state and findings are left alone.
        assert sorted(os.listdir(d)) == [".lock"]
    # Released: the directory can be used again.
    kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=0)
    assert (d / "fuzz-state").read_text().endswith(f"{KEY} next 3\n")


def test_an_unwritable_state_file_is_an_input_error(kpsim, tmp_path):
    # Root ignores permissions; a full device fails for everyone.
    d = tmp_path / "out"
    d.mkdir()
    os.symlink("/dev/full", d / "fuzz-state")
    proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=2)
    assert "internal error" not in proc.stderr
    assert "fuzz-state" in proc.stderr and os.strerror(28) in proc.stderr


def test_an_out_directory_that_cannot_hold_files_is_an_input_error(kpsim):
    # /proc/self exists and is a directory, but nobody can create files in it.
    proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", "/proc/self", check=2)
    assert "internal error" not in proc.stderr
    assert "/proc/self" in proc.stderr


@pytest.mark.parametrize("bad", ["-5", "1e23", "abc", "", "99999999999999999999999"])
def test_a_corrupt_state_line_is_refused(kpsim, tmp_path, bad):
    d = tmp_path / "out"
    d.mkdir()
    state = d / "fuzz-state"
    state.write_text(f"# kpsim fuzz: the next run index of each campaign\n{KEY} next {bad}\n")
    proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=2)
    assert f"{state}:2: " in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr
    # Left as it was, for its owner to repair.
    assert state.read_text().endswith(f"next {bad}\n")


def test_a_corrupt_line_of_another_campaign_is_refused(kpsim, tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    (d / "fuzz-state").write_text("model 6274de4 strategy pct schedules 20 seed 1 next x\n")
    proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=2)
    assert f"{d / 'fuzz-state'}:1: " in proc.stderr


def test_stale_temporary_files_are_removed(kpsim, tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    # What a SIGKILL in kp_write_file leaves: ".NAME.tmp-XXXXXX".
    for n in (".fuzz-state.tmp-Ab12Cd", ".A5-checker.kps.tmp-x1y2z3"):
        (d / n).write_text("half written")
    (d / ".keep").write_text("not ours")
    kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), check=0)
    assert sorted(os.listdir(d)) == [".keep", ".lock", "fuzz-state"]


def test_files_are_written_with_the_umask(kpsim_path, tmp_path):
    # One campaign that writes findings (run 22 fails); the other masks are checked on
    # the state file alone, which goes through the same writer, so that the findings are
    # minimized once (minimizing is what costs under the sanitizers).
    d = tmp_path / "out"
    for mask, want, runs in ((0o022, 0o644, 23), (0o077, 0o600, 3), (0o002, 0o664, 3)):
        sub = d / f"{mask:o}"
        proc = subprocess.run([kpsim_path, "fuzz", "--seed", "1", "--runs", str(runs),
                               "--out", str(sub)], capture_output=True, text=True,
                              timeout=300, preexec_fn=lambda m=mask: os.umask(m))
        assert proc.returncode == (1 if runs > 22 else 0), (proc.stdout, proc.stderr)
        names = [n for n in os.listdir(sub) if n.endswith(".kps")] + ["fuzz-state"]
        assert len(names) > 1 or runs <= 22
        for n in names:
            assert os.stat(sub / n).st_mode & 0o777 == want, (n, mask)


def test_a_finding_that_links_to_a_device_is_not_read(kpsim, tmp_path):
    # Reading it whole would never end: findings are read bounded, regular files only.
    d = tmp_path / "out"
    d.mkdir()
    (d / "zero.kps").symlink_to("/dev/zero")
    proc = kpsim("fuzz", "--seed", "1", "--runs", "3", "--out", str(d), timeout=60)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "seed 1 next 3" in (d / "fuzz-state").read_text()
