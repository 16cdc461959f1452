# SPDX-License-Identifier: GPL-2.0-only
"""The scenario corpus under scenarios/: every file still holds, and the corpus keeps its shape."""
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT")
                    or pathlib.Path(__file__).resolve().parents[2])
SCENARIOS = ROOT / "scenarios"
# Collected at import time so that each scenario is a test of its own, named by its path.
CORPUS = sorted(p.relative_to(SCENARIOS).as_posix() for p in SCENARIOS.rglob("*.kps"))

TOPICS = ("basic", "aggregates", "optimizer", "delayed-unoptimize", "handlers", "modules",
          "sysctl", "debugfs", "hotplug", "irq", "errors")
MIN_FILES = 50
MIN_PER_TOPIC = 3


@pytest.mark.parametrize("name", CORPUS)
def test_scenario_holds(kpsim, name):
    path = SCENARIOS / name
    proc = kpsim("run", str(path))
    assert proc.returncode == 0, f"{name} no longer holds:\n{proc.stdout}{proc.stderr}"
    assert re.search(rf"^PASS \S*{re.escape(name)} ", proc.stdout, re.M), proc.stdout


def test_corpus_size_and_topics():
    assert len(CORPUS) >= MIN_FILES, f"only {len(CORPUS)} scenarios under {SCENARIOS}"
    for topic in TOPICS:
        n = sum(1 for name in CORPUS if name.startswith(topic + "/"))
        assert n >= MIN_PER_TOPIC, f"scenarios/{topic} has {n} files, needs {MIN_PER_TOPIC}"


def test_every_scenario_starts_with_a_comment():
    for name in CORPUS:
        first = (SCENARIOS / name).read_text(encoding="utf-8").splitlines()
        assert first and first[0].startswith("#"), f"{name} does not start with a # comment"
