# SPDX-License-Identifier: GPL-2.0-only
"""Sum up Meson test logs: one line per build, then 'N passed, N failed'."""
import json
import sys


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        p = f = s = 0
        try:
            with open(path, encoding="utf-8") as log:
                for line in log:
                    result = json.loads(line).get("result")
                    if result in ("OK", "EXPECTEDFAIL"):
                        p += 1
                    elif result == "SKIP":
                        s += 1
                    else:
                        f += 1
        except FileNotFoundError:
            print(f"{path}: no test log (the build failed?)")
            f += 1
        print(f"{path}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    if passed == 0:
        failed += 1
    print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
