# SPDX-License-Identifier: GPL-2.0-only
"""Cause-level signatures: one signature never stands for two kernel causes.

tests/data/signature-causes.tsv lists, for each corpus scenario that expects violations,
the signatures its executions show once its `expect` lines are taken out, and the kernel
cause behind each.  Running them again must give exactly those signatures (the same
cause gives the same signature across builds and runs), and the table itself must map
every signature to one cause.
"""
import collections
import os
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))
TABLE = ROOT / "tests" / "data" / "signature-causes.tsv"

# The table's reader that the scripts use, so that the test reads it as they do.
sys.path.insert(0, str((ROOT / "tools" / "scripts").resolve()))
import signature_causes  # noqa: E402


def table():
    return signature_causes.rows(TABLE)


def by_scenario():
    out = collections.defaultdict(set)
    for scenario, key, _ in table():
        out[scenario].add(key)
    return out


def test_no_signature_has_two_causes():
    causes = collections.defaultdict(set)
    for _, key, cause in table():
        causes[key].add(cause)
    shared = {k: c for k, c in causes.items() if len(c) > 1}
    assert not shared
    # Several kernel causes of one invariant stay apart.
    p3 = {c for _, k, c in table() if k.startswith("violation P3 ")}
    assert len(p3) >= 4
    s5 = {c for _, k, c in table() if k.startswith("violation S5 ")}
    assert len(s5) == 2


def test_every_scenario_expecting_a_violation_is_listed():
    listed = set(by_scenario())
    expecting = {
        str(p.relative_to(ROOT / "scenarios"))
        for p in (ROOT / "scenarios").rglob("*.kps")
        if re.search(r"^expect \S+ violation ", p.read_text(), re.M)
    }
    assert expecting == listed


@pytest.mark.parametrize("scenario", sorted(by_scenario()))
def test_scenario_shows_its_signatures(kpsim, tmp_path, scenario):
    text = (ROOT / "scenarios" / scenario).read_text()
    bare = "".join(l + "\n" for l in text.splitlines() if not l.startswith("expect"))
    path = tmp_path / pathlib.Path(scenario).name
    path.write_text(bare)
    proc = kpsim("run", str(path), check=1)
    shown = set(re.findall(r"^    (violation .*): \d+ executions?$", proc.stderr, re.M))
    assert shown == by_scenario()[scenario]
