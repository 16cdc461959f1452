# SPDX-License-Identifier: GPL-2.0-only
"""`kpsim compare`: the two ports side by side, and docs/seed-effect.md made from it."""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))
ONE_PROBE = "tests/data/costs/one-probe.kps"


def test_text_output_exactly(kpsim):
    # Worked out by hand from the traces (see test_costs.py): on the parent, disable
    # removes the jump itself (1 stop_machine, 5 bytes under it and the first byte
    # back: 6) and the optimizer only installs it; on the seed, the optimizer does both.
    proc = subprocess.run([os.environ["KPSIM"], "compare", ONE_PROBE], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert proc.stdout == (ROOT / "tests/data/costs/one-probe.compare.txt").read_text()


def test_json_agrees_with_text(kpsim):
    proc = kpsim("compare", "--format", "json", str(ROOT / ONE_PROBE), check=0)
    doc = json.loads(proc.stdout)
    parent, seed = doc["runs"]
    assert (parent["model"], seed["model"]) == ("6274de4^", "6274de4")
    assert parent["commit"].startswith("61f4e13ffd85")
    assert seed["commit"].startswith("6274de4984a6")
    disable = [o for o in parent["operations"] if o["operation"] == "disable a"][0]
    assert disable["costs"] == {"stop_machines": 1, "grace_periods": 0, "text_bytes": 6,
                                "blocked_jiffies": 0, "blocked_steps": 1}
    assert [o for o in seed["operations"] if o["operation"] == "disable a"][0]["costs"][
        "stop_machines"] == 0
    # Only the disable differs among the operations (index 2: register, sleep, disable).
    assert doc["differing_operations"] == [2]
    # The actors add up to the run's totals.
    for run in doc["runs"]:
        assert sum(a["costs"]["stop_machines"] for a in run["actors"]) == run["stop_machines"]
        assert sum(a["costs"]["grace_periods"] for a in run["actors"]) == run["grace_periods"]
    assert parent["verdict"] == seed["verdict"] == "pass"


def test_markdown(kpsim):
    out = kpsim("compare", "-f", "markdown", str(ROOT / ONE_PROBE), check=0).stdout
    assert out.startswith("### `")
    assert "| **`t0:9 disable a`** | 0 | 1 | 0 | 6 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 |" in out


def test_same_port_twice_has_no_difference(kpsim):
    out = kpsim("compare", "--model", "6274de4", "--model", "6274de4",
                str(ROOT / ONE_PROBE), check=0).stdout
    assert not [line for line in out.splitlines() if line.startswith("*")]


def test_usage_errors(kpsim):
    path = str(ROOT / ONE_PROBE)
    assert "unknown model 'nope'" in kpsim("compare", "-m", "nope", "-m", "6274de4", path,
                                           check=2).stderr
    assert "--model twice" in kpsim("compare", "-m", "6274de4", path, check=2).stderr
    assert "unknown format" in kpsim("compare", "-f", "xml", path, check=2).stderr
    assert "exactly one" in kpsim("compare", check=2).stderr


def test_seed_effect_doc_is_what_the_command_prints(kpsim_path, tmp_path):
    svg = tmp_path / "seed-effect.svg"
    proc = subprocess.run([sys.executable, "tools/scripts/seed-effect.py", kpsim_path, str(svg)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout == (ROOT / "docs/seed-effect.md").read_text()
    assert svg.read_text() == (ROOT / "docs/seed-effect.svg").read_text()
