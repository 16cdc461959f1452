# SPDX-License-Identifier: GPL-2.0-only
"""Fix variants against their findings (docs/history.md).

Each fix variant's header names the scenarios of the finding it fixes, the cause (a key
of tests/data/signature-causes.tsv) and the allow-list ids it claims.  On the base port,
each finding scenario, run with its `expect` lines taken out, shows the cause's
signatures; on the fix it shows none of them, unless the header's `Still:` line says why
the fix does not remove them there.  The logic is the one tools/scripts/gen-history.py
uses for the table, loaded from it.
"""
import importlib.util
import os
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))


def load_generator():
    # Run as a script, the generator finds the modules beside it on sys.path; loaded by
    # path, it needs them put there.
    sys.path.insert(0, str((ROOT / "tools" / "scripts").resolve()))
    spec = importlib.util.spec_from_file_location(
        "gen_history", ROOT / "tools" / "scripts" / "gen-history.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = load_generator()
FIXES = GEN.fix_variants()
SIG_CAUSE, DESCRIBED = GEN.cause_table()


def known_ids():
    ids = set()
    for line in GEN.ALLOW.read_text().splitlines():
        if not line.startswith("#"):
            ids.update(line.split())
    return ids


def test_every_fix_has_a_known_cause_and_real_claims():
    assert len(FIXES) >= 2
    allowed = known_ids()
    for fix in FIXES:
        for cause in fix["Causes"]:
            assert cause in DESCRIBED, (fix["Name"], cause)
        for rel in fix["Findings"]:
            assert (ROOT / rel).is_file(), (fix["Name"], rel)
        for i in fix["ClaimIds"]:
            # A claim is an id of the allow list, or an invariant the list leaves out
            # (A9, the cpu-* checks, the kernel's own assertions K1..K10).
            assert (i in allowed or i.startswith("A9") or i.startswith("cpu-")
                    or re.fullmatch(r"K\d+", i)), (fix["Name"], i)


def test_history_has_a_row_and_blocks_for_every_fix():
    doc = (ROOT / "docs" / "history.md").read_text()
    for fix in FIXES:
        name = fix["Name"]
        assert "| `%s` (%s) |" % (name, fix["Base"]) in doc, name
        assert "<!-- BEGIN generated: verdicts %s -->" % name in doc, name
        assert "<!-- BEGIN generated: fuzz %s -->" % name in doc, name


CASES = [(fix["Name"], rel) for fix in FIXES for rel in fix["Findings"]]


@pytest.mark.parametrize("name,rel", CASES)
def test_finding_is_gone_on_its_fix(kpsim_path, name, rel):
    fix = next(f for f in FIXES if f["Name"] == name)
    _, base_shown, _ = GEN.run_scenario(kpsim_path, fix["Base"], ROOT / rel)
    _, fix_shown, _ = GEN.run_scenario(kpsim_path, name, ROOT / rel)
    on_base = {s for s in base_shown if SIG_CAUSE.get(s) in fix["Causes"]}
    on_fix = {s for s in fix_shown if SIG_CAUSE.get(s) in fix["Causes"]}
    assert on_base, "the finding does not show on the base port"
    if "Still" in fix:
        # The header says why the fix leaves it; it must still be so.
        assert on_fix, "the fix now removes what its Still: line says it leaves"
    else:
        assert not on_fix
