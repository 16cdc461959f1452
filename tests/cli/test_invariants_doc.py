# SPDX-License-Identifier: GPL-2.0-only
"""docs/invariants.md describes every id that `kpsim invariants` lists."""
import os
import pathlib
import re


def source_root():
    root = os.environ.get("KPSIM_SOURCE_ROOT")
    return pathlib.Path(root) if root else pathlib.Path(__file__).resolve().parents[2]


def catalogue_ids(kpsim):
    out = kpsim("invariants", check=0).stdout
    ids = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert ids, "kpsim invariants printed nothing"
    return ids


def documented_ids():
    """The first cell of every table row of the page: `| K1 | ...` gives K1."""
    text = (source_root() / "docs" / "invariants.md").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^\| *`?([^|`]+?)`? *\|", text, re.M)}


def test_every_catalogue_id_is_documented(kpsim):
    documented = documented_ids()
    missing = [i for i in catalogue_ids(kpsim) if i not in documented]
    assert not missing, ("ids listed by `kpsim invariants` but not described in "
                         f"docs/invariants.md: {', '.join(missing)}")


def test_catalogue_ids_are_unique(kpsim):
    ids = catalogue_ids(kpsim)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
