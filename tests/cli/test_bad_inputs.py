# SPDX-License-Identifier: GPL-2.0-only
"""Every malformed scenario gives one located error and exit status 2, never a crash."""
import os
import pathlib

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
