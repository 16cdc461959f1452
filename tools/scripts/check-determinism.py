# SPDX-License-Identifier: GPL-2.0-only
"""Same scenario, same schedule: byte-identical traces, run twice and across two builds.

Usage: check-determinism.py KPSIM_A KPSIM_B SCENARIO_DIR
KPSIM_A and KPSIM_B are kpsim binaries of the same source built differently (say -O0
and -O2).  Every scenario's first execution is replayed with the JSON-lines trace by A
twice and by B once, on its own port and on the parent port (--model 6274de4^; a
scenario marked for the seed alone is refused there, the same way each time); the engine
demo with ten seeds likewise.  Any difference fails.
"""
import pathlib
import subprocess
import sys


def trace(kpsim, args):
    proc = subprocess.run([kpsim, *args], capture_output=True, timeout=120)
    return proc.returncode, proc.stdout


def main(a, b, root):
    paths = sorted(pathlib.Path(root).rglob("*.kps"))
    cases = [["replay", str(p), "--trace", "json"] for p in paths]
    cases += [["replay", "--model", "6274de4^", str(p), "--trace", "json"] for p in paths]
    cases += [["demo", "--seed", str(seed), "--trace", "json"] for seed in range(10)]
    different = 0
    for args in cases:
        first, again, other = trace(a, args), trace(a, args), trace(b, args)
        if not (first == again == other):
            different += 1
            print(f"determinism: {' '.join(args)}: traces differ", file=sys.stderr)
    print(f"determinism: {len(cases) - different} of {len(cases)} runs byte-identical "
          f"(twice, and across the two builds)")
    return 1 if different or not cases else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
