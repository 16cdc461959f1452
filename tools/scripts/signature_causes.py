# SPDX-License-Identifier: GPL-2.0-only
"""Reading tests/data/signature-causes.tsv, the kernel cause behind each signature.

Each line that is neither blank nor a `#` comment is SCENARIO, SIGNATURE and CAUSE,
separated by tabs; a CAUSE's first word is its key (F1..F10 for the causes of
docs/findings.md).  One reader for the scripts and the tests that use the table, so
that they cannot come to read it two ways.  A line without exactly three fields raises
ValueError: a damaged table must stop its readers, not lose a cause.
"""
import pathlib

TSV = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "signature-causes.tsv"


def rows(path=TSV):
    """(scenario, signature, cause) for each line of the table, in its order."""
    out = []
    for line in pathlib.Path(path).read_text().splitlines():
        if line and not line.startswith("#"):
            scenario, signature, cause = line.split("\t")
            out.append((scenario, signature, cause))
    return out
