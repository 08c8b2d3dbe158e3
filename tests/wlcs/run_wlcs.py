"""Run the applicable WLCS tests against fenceway's WLCS module and
compare the outcome with the checked-in lists.

    run_wlcs.py RUNNER MODULE applicable.txt expected-failures.txt

applicable.txt names every WLCS test that applies to fenceway's globals
(the denominator; WLCS skips the others).  expected-failures.txt names
those known to fail, each with its reason (see the file's header).  The
tests run in shards (GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX), each bounded
by `timeout`, and WLCS's stdout is parsed (its XML output records skips
as failures).  Fails on: a failure not on the list, a listed failure that
passes now (take it off the list), an applicable test that was skipped or
never ran, and any AddressSanitizer or UBSan report.

FW_WLCS_SHARDS sets the number of shards (default 8, run side by side:
most of a WLCS test is waiting).
"""
import os
import re
import subprocess
import sys
import tempfile

RESULT = re.compile(r"^\[ +(OK|FAILED|SKIP) +\] ([^\s,]+)", re.M)
CATEGORIES = ("wlcs-1.5.0-bug", "wlroots-0.15", "fenceway-gap")
SANITIZER = re.compile(r"ERROR: AddressSanitizer|runtime error:")
# A shard that hangs is cut off here (WLCS waits 10 s for a missing event,
# so a healthy shard of ~110 tests ends far sooner).
SHARD_LIMIT = "240"


def read_list(path):
    """Lines without comments and blanks."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                yield number, line


def read_expected(path, applicable):
    """name -> reason; every entry needs a known category and a reason."""
    expected = {}
    for number, line in read_list(path):
        parts = line.split(None, 2)
        if (len(parts) < 3 or parts[1].rstrip(":") not in CATEGORIES or
                not parts[2].strip()):
            sys.exit("%s:%d: want 'Suite.test CATEGORY: reason' with "
                     "CATEGORY one of %s" % (path, number,
                                             ", ".join(CATEGORIES)))
        if parts[0] not in applicable:
            sys.exit("%s:%d: %s is not in applicable.txt"
                     % (path, number, parts[0]))
        expected[parts[0]] = parts[2]
    return expected


def run_shards(runner, module, tests, shards):
    """Start every shard, wait for all; returns [(output, stderr)]."""
    runtime = tempfile.mkdtemp(prefix="fenceway-wlcs-")
    env = dict(os.environ)
    for k in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"):
        env.pop(k, None)
    env["XDG_RUNTIME_DIR"] = runtime
    env["GTEST_TOTAL_SHARDS"] = str(shards)
    # The sanitized runner: address and UB checks on, leak checks off.
    # WLCS 1.5.0 leaks (event sources of its own loop, client proxies),
    # and every stack in its process, fenceway's too, runs through its
    # unsymbolized thread frames, so no suppression could name its leaks
    # without hiding ours.  fenceway's leaks are checked by the compositor
    # suite, where fenceway is the whole process.
    asan = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"
    filt = "--gtest_filter=" + ":".join(sorted(tests))
    procs = []
    for index in range(shards):
        env["GTEST_SHARD_INDEX"] = str(index)
        out = tempfile.TemporaryFile(mode="w+")
        err = tempfile.TemporaryFile(mode="w+")
        procs.append((subprocess.Popen(
            ["timeout", SHARD_LIMIT, runner, module, filt], env=dict(env),
            stdin=subprocess.DEVNULL, stdout=out, stderr=err), out, err))
    results = []
    for proc, out, err in procs:
        proc.wait()
        out.seek(0)
        err.seek(0)
        results.append((proc.returncode, out.read(), err.read()))
    os.rmdir(runtime)
    return results


def main():
    runner, module, applicable_path, expected_path = sys.argv[1:5]
    applicable = {name for _, name in read_list(applicable_path)}
    expected = read_expected(expected_path, applicable)
    shards = int(os.environ.get("FW_WLCS_SHARDS", "8"))

    outcome = {}
    problems = []
    for index, (status, out, err) in enumerate(
            run_shards(runner, module, applicable, shards)):
        for verdict, name in RESULT.findall(out):
            # The summary repeats failures; the first verdict counts.
            outcome.setdefault(name, verdict)
        if status == 124:
            problems.append("shard %d cut off after %s s" % (index,
                                                             SHARD_LIMIT))
        reports = [l for l in err.splitlines() if SANITIZER.search(l)]
        if reports:
            problems.append("shard %d: sanitizer report:\n%s"
                            % (index, err[-4000:]))

    passed = {n for n in applicable if outcome.get(n) == "OK"}
    failed = {n for n in applicable if outcome.get(n) == "FAILED"}
    skipped = {n for n in applicable if outcome.get(n) == "SKIP"}
    missing = applicable - passed - failed - skipped
    new_failures = sorted(failed - set(expected))
    fixed = sorted(passed & set(expected))

    total = len(applicable)
    print("wlcs: %d of %d applicable tests passed (%.1f %%), %d failed "
          "(%d expected), %d skipped, %d did not run"
          % (len(passed), total, 100.0 * len(passed) / total, len(failed),
             len(failed & set(expected)), len(skipped), len(missing)))
    for name in new_failures:
        problems.append("new failure: " + name)
    for name in fixed:
        problems.append("passes now, take it off expected-failures.txt: "
                        + name)
    for name in sorted(skipped):
        problems.append("skipped, so not applicable any more: " + name)
    for name in sorted(missing):
        problems.append("did not run (a crash or the time limit?): " + name)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
