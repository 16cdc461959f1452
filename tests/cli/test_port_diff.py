# SPDX-License-Identifier: GPL-2.0-only
"""model/seed-change.diff is what tells the two kernel ports apart, and it stays so.

model/61f4e13 (the parent, named 6274de4^) and model/6274de4 differ by the seed commit
6274de4984a6 and by the per-port glue that follows from it (docs/model.md says how to read
the diff).  The test regenerates `diff -ru model/61f4e13 model/6274de4` and compares it with
the committed copy, so a change made to one port and not to the other shows up.  When the
ports are meant to differ there, refresh the copy from the source root with

    python3 tests/cli/test_port_diff.py --refresh
"""
import difflib
import os
import pathlib
import re
import shutil
import subprocess
import sys

try:
    import pytest
except ImportError:  # --refresh below runs without it
    pytest = None

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT")
                    or pathlib.Path(__file__).resolve().parents[2])
PARENT = "model/61f4e13"
SEED = "model/6274de4"
COPY = "model/seed-change.diff"
REFRESH = "python3 tests/cli/test_port_diff.py --refresh"


def port_diff():
    """`diff -ru` of the two port folders from the source root, its labels without dates."""
    proc = subprocess.run(["diff", "-ru", PARENT, SEED], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "LC_ALL": "C"})
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"diff -ru {PARENT} {SEED}: {proc.stderr}")
    # The labels end in the files' modification times, which each checkout has its own of.
    return re.sub(r"^((?:---|\+\+\+) [^\t\n]+)\t.*$", r"\1", proc.stdout, flags=re.M)


def test_port_diff_is_the_committed_copy():
    if shutil.which("diff") is None:
        pytest.skip("needs diff(1)")
    now = port_diff()
    committed = (ROOT / COPY).read_text()
    if now == committed:
        return
    delta = "".join(difflib.unified_diff(committed.splitlines(True), now.splitlines(True),
                                         f"{COPY} (committed)",
                                         f"diff -ru {PARENT} {SEED} (now)", n=1))
    pytest.fail(f"the two ports no longer differ as {COPY} says: a change was made to one "
                f"port and not to the other.  If it belongs in both, make it in both; if the "
                f"ports are meant to differ there, run `{REFRESH}` from the source root and "
                f"commit {COPY} with the change.\n\n{delta}", pytrace=False)


def test_committed_copy_names_no_machine():
    text = (ROOT / COPY).read_text()
    labels = re.findall(r"^(?:---|\+\+\+|diff -ru) .*$", text, flags=re.M)
    assert labels, f"{COPY} holds no diff"
    for label in labels:
        assert "\t" not in label and " /" not in label, label
        assert re.fullmatch(rf"(?:--- {PARENT}|\+\+\+ {SEED}|diff -ru {PARENT}/\S+ {SEED})/\S+",
                            label), label


if __name__ == "__main__":
    if sys.argv[1:] != ["--refresh"]:
        sys.exit(f"usage: {sys.argv[0]} --refresh   (rewrites {COPY} from the two ports)")
    (ROOT / COPY).write_text(port_diff())
    print(f"wrote {ROOT / COPY}")
