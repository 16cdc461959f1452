# SPDX-License-Identifier: GPL-2.0-only
"""`kpsim run --costs`: the counters on a case worked out by hand from the trace."""
import os
import pathlib

ROOT = pathlib.Path(os.environ.get("KPSIM_SOURCE_ROOT", "."))
ONE_PROBE = str(ROOT / "tests/data/costs/one-probe.kps")
COLUMNS = ("ret", "stop", "gp", "text", "blk-jif", "blk-step")


def costs_table(stdout):
    """{(task, line): {column: int}} for operations, {name: {...}} for actors."""
    ops, actors, section = {}, {}, None
    for line in stdout.splitlines():
        fields = line.split()
        if not fields or not line.startswith("  "):
            continue
        if fields[0] == "task":
            section = "ops"
            continue
        if fields[0] == "actor":
            section = "actors"
            continue
        if section == "ops":
            # task line operation... ret stop gp text blk-jif blk-step
            ops[(fields[0], int(fields[1]))] = dict(zip(COLUMNS, map(int, fields[-6:])))
        elif section == "actors":
            actors[fields[0]] = dict(zip(COLUMNS[1:], map(int, fields[-5:])))
    return ops, actors


def test_costs_of_one_probe(kpsim):
    proc = kpsim("run", "--costs", ONE_PROBE, check=0)
    assert "costs (model 6274de4, one execution: S1:" in proc.stdout
    ops, actors = costs_table(proc.stdout)
    # register: the caller writes the int3 (1 byte); nothing else.
    assert ops[("t0", 7)] == dict(ret=0, stop=0, gp=0, text=1, **{"blk-jif": 0, "blk-step": 0})
    # A sleep costs nothing: sleeping on purpose is not waiting.
    assert ops[("t0", 8)]["blk-jif"] == 0
    # disable on 6274de4: the jump's removal is queued for the optimizer, so the caller
    # pays nothing.
    assert ops[("t0", 9)] == dict(ret=0, stop=0, gp=0, text=0, **{"blk-jif": 0, "blk-step": 0})
    # unregister of a disabled probe: no text, one synchronize_sched() in
    # __unregister_kprobe_bottom's caller path, during which the caller waits one decision.
    assert ops[("t0", 11)] == dict(ret=0, stop=0, gp=1, text=0, **{"blk-jif": 0, "blk-step": 1})
    # The optimizer: its first run waits a grace period and installs the 5-byte jump with
    # stop_machine; its second removes it (5 bytes under stop_machine: int3 plus the
    # 4 saved bytes), puts the original first byte back for the disabled probe (1 byte)
    # and waits a grace period.  2 stop_machine, 2 grace periods, 5 + 5 + 1 bytes.
    assert actors["kworker/0"] == dict(stop=2, gp=2, text=11, **{"blk-jif": 0, "blk-step": 4})
    assert actors["t0"] == dict(stop=0, gp=1, text=1, **{"blk-jif": 0, "blk-step": 1})
    assert actors["total"] == dict(stop=2, gp=3, text=12, **{"blk-jif": 0, "blk-step": 5})


def test_costs_of_one_probe_on_the_parent(kpsim):
    proc = kpsim("run", "--costs", "--model", "6274de4^", ONE_PROBE, check=0)
    assert "costs (model 6274de4^, one execution: S1:" in proc.stdout
    ops, actors = costs_table(proc.stdout)
    # disable on 6274de4^: the caller removes the jump itself under stop_machine (5
    # bytes: int3 and the 4 saved ones), puts the original first byte back (1), and waits
    # one decision for the other vCPU to be captured.
    assert ops[("t0", 9)] == dict(ret=0, stop=1, gp=0, text=6, **{"blk-jif": 0, "blk-step": 1})
    assert ops[("t0", 11)]["gp"] == 1
    # The optimizer only installs: one grace period, one stop_machine, 5 bytes.
    assert actors["kworker/0"] == dict(stop=1, gp=1, text=5, **{"blk-jif": 0, "blk-step": 2})
    assert actors["total"]["stop"] == 2


def test_costs_refuses_tap(kpsim):
    proc = kpsim("run", "--costs", "--tap", ONE_PROBE, check=2)
    assert "--costs" in proc.stderr
