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
          "sysctl", "debugfs", "hotplug", "irq", "errors", "parent")
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


MODELS = ("6274de4", "6274de4^")


def only_model(name):
    """The port a scenario's header restricts it to (`model NAME only`), or None."""
    for line in (SCENARIOS / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"model\s+(\S+)\s+only\s*(#.*)?$", line)
        if m:
            return m.group(1)
    return None


# Where a scenario runs: test_scenario_holds runs each on its own model (the seed unless
# its header names another), and test_the_parent_runs_most_of_the_corpus runs the whole
# corpus on the parent.  What is left is a port a scenario's header rules out.
RULED_OUT = [(name, model) for name in CORPUS for model in MODELS
             if only_model(name) not in (None, model)]


@pytest.mark.parametrize("name,model", RULED_OUT)
def test_scenario_on_a_port_it_rules_out(kpsim, name, model):
    """A scenario whose header restricts it to another model is reported not applicable."""
    proc = kpsim("run", "--model", model, str(SCENARIOS / name))
    assert proc.returncode == 0, f"{name} on {model}:\n{proc.stdout}{proc.stderr}"
    only = only_model(name)
    assert re.search(rf"^N/A  \S*{re.escape(name)}  \(needs model {re.escape(only)}\)$",
                     proc.stdout, re.M), proc.stdout
    assert f"0 passed, 0 failed, 1 not applicable to model {model}" in proc.stdout


def test_seed_only_scenarios_say_why():
    """A scenario kept from the parent says why on the comment line above its model line."""
    for name in CORPUS:
        lines = (SCENARIOS / name).read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if re.match(r"model\s+6274de4\s+only\b", line):
                assert i > 0 and lines[i - 1].startswith("# 6274de4 only: "), name


def test_the_parent_runs_most_of_the_corpus(kpsim):
    """Most of the corpus holds on the parent; what does not is marked and counted apart."""
    out = kpsim("run", "--jobs", "2", "--model", "6274de4^", str(SCENARIOS), check=0).stdout
    # A scenario may allow a violation it meets in some orders (an `allow` line): the
    # summary then counts it again as one "with allowed violations".
    m = re.search(r"^scenarios: (\d+) passed, 0 failed, (\d+) not applicable to model "
                  r"6274de4\^(, \d+ with allowed violations)?$", out, re.M)
    assert m, out
    # the seed's own scenarios, and those of a variant (model/variants/)
    marked = sum(1 for name in CORPUS if only_model(name) not in (None, "6274de4^"))
    assert int(m.group(2)) == marked
    assert int(m.group(1)) == len(CORPUS) - marked
    assert int(m.group(1)) > 2 * marked
