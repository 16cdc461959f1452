# SPDX-License-Identifier: GPL-2.0-only
"""The dfs reduction's equivalence sweep (slow tier, release build): at every bound up to
3 on the files of tests/data/explore, at bound 2 on the reference scenario, and at bounds
1 and 2 on corpus scenarios, the reduced search finds the same distinct final states and
failure groups as the full one."""
import os

import pytest

from test_reduction import DATA, FILES, ROOT, compare

# optimize-call at bound 3 takes minutes unreduced, sync-call half a minute (773,603
# executions); their bounds 0 to 2 are kept.
TOO_SLOW = {("optimize-call.kps", 3), ("sync-call.kps", 3)}
CASES = [(f, k) for f in FILES for k in (2, 3) if (f, k) not in TOO_SLOW]


@pytest.mark.parametrize("name,bound", CASES)
def test_every_file_larger_bounds(kpsim, name, bound):
    compare(kpsim, os.path.join(DATA, name), "--preemptions", str(bound))


def test_reference_scenario_bound_2(kpsim):
    path = os.path.join(ROOT, "scenarios", "bench", "ref-2cpu.kps")
    f, r = compare(kpsim, path, "--preemptions", "2")
    # The reduction is not switched off by the bound (141,066 unreduced).
    assert r[2] * 2 <= f[2]


# Corpus scenarios small enough to search unreduced: failure groups and expectations
# (alloc-failures), stop_machine (disable-stops-machine), the sysctl and the optimizer.
CORPUS = [
    ("errors/alloc-failures.kps", (1, 2)),
    ("parent/disable-stops-machine.kps", (1, 2)),
    ("sysctl/off-races-optimizer.kps", (1, 2)),
    ("optimizer/install-under-callers.kps", (1, 2)),
    ("basic/concurrent-calls.kps", (1,)),
    # Lost a final state when first steps became independent and a local quiescent
    # point still commuted with the tick that gives it a second alternative.
    ("irq/handler-after-disable-interrupted.kps", (1,)),
    # Runs that end in a fatal violation (api-misuse); bounds 0 and 1 in test_reduction.py.
    ("errors/shared-struct-two-callers.kps", (2,)),
]


@pytest.mark.parametrize("name,bound", [(n, k) for n, ks in CORPUS for k in ks])
def test_corpus_scenario(kpsim, name, bound):
    compare(kpsim, os.path.join(ROOT, "scenarios", name), "--preemptions", str(bound))
