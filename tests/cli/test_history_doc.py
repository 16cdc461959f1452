# SPDX-License-Identifier: GPL-2.0-only
"""docs/history.md is what tools/scripts/gen-history.py writes today.

Everything but the fuzz campaigns is regenerated (the finding scenarios on each base and
fix, the verdict tables over the corpus); the campaigns take ten minutes each and are
kept as the document gives them.  Slow tier: a verdict table per fix variant.
"""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))


def test_history_matches_the_generator(kpsim_path, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "scripts" / "gen-history.py"), "--kpsim",
         kpsim_path, "--fuzz-dir", str(tmp_path / "none"), "--no-fuzz", "--jobs", "2"],
        capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    doc = (ROOT / "docs" / "history.md").read_text()
    if proc.stdout != doc:
        import difflib
        diff = "".join(difflib.unified_diff(doc.splitlines(True), proc.stdout.splitlines(True),
                                            "docs/history.md", "generated", n=1))
        raise AssertionError("docs/history.md differs from the generator:\n" + diff[:6000])
