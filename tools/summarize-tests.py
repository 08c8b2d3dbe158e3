#!/usr/bin/env python3
"""Sum the results of every meson test lane into one closing line.

Usage: summarize-tests.py LANE=BUILDDIR [LANE=BUILDDIR ...]

Reads BUILDDIR/meson-logs/testlog.json of each lane (one JSON object per
test), lists failed and skipped tests by name, and ends with the line
'N passed, N failed' (skipped tests count in neither).  Exits 1 if any test
failed or if no test ran at all, so a lane that silently ran nothing
cannot pass.
"""
import json
import os
import sys

PASS = {"OK"}
SKIP = {"SKIP"}


def main():
    passed = failed = 0
    skipped, failures, missing = [], [], []
    for arg in sys.argv[1:]:
        lane, _, builddir = arg.partition("=")
        log = os.path.join(builddir, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            missing.append(lane)
            continue
        with open(log) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                t = json.loads(line)
                name = f"{lane}: {t['name']}"
                if t["result"] in PASS:
                    passed += 1
                elif t["result"] in SKIP:
                    skipped.append(name)
                else:
                    failed += 1
                    failures.append(f"{name} ({t['result']})")
    for lane in missing:
        print(f"lane {lane}: no test log (the build or the run failed before any test)")
        failed += 1
    for name in failures:
        print(f"failed: {name}")
    for name in skipped:
        print(f"skipped: {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
