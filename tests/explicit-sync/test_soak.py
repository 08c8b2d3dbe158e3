"""Hostile-client soak: the real fenceway, headless, with a small fd budget,
and two identical rounds of hostile clients started at once.

Each round starts, together: clients that import timelines and hold
commits on points nobody signals (fw-es-client so-hold-forever and
v1-hold-forever, fenceway-demo --misbehave never-signal), all SIGKILLed
once they hold; clients that make protocol errors (fw-es-client error
scenarios, fenceway-demo with junk fds); producers that die mid-frame;
and hogs cut by the fd budget.  A bystander, a plain fenceway-demo on a
syncobj timeline started with them, draws its frames and exits while the
holders still hold (they are killed only after it), so the frames its
summary counts as presented are the round's.

Checked per round: the bystander presented (> 0), every frame of it
presented or discarded, without errors; each of the 20 hostile clients
ended as its kind should; once all are gone the compositor's fd count is
back to the baseline taken before round 1 (+2 at most) and its thread
count too (the fence library's helper threads exit after watching nothing
for a while: waited for).  After round 2 its VmRSS is within 5 MB of
round 1's end.  The compositor then exits cleanly (no sanitizer report).
Counts only: waits have generous limits, nothing is timed.

    test_soak.py
"""
import os
import re
import signal
import sys
import time

import demo_summary
from fenceway import Compositor

CLIENT = os.environ.get("FW_ES_CLIENT")
DEMO = os.environ.get("FW_DEMO")

# The clients are test tools; only the compositor's leaks matter here.
CLIENT_ENV = {"ASAN_OPTIONS": "detect_leaks=0"}

FD_BUDGET = 32
FD_TOLERANCE = 2
RSS_TOLERANCE_KB = 5 * 1024
ASAN_QUARANTINE_MB = 2
# Helper threads exit after 5 s of watching nothing (docs/explicit-sync.md).
THREAD_WAIT = 30.0

# Held until SIGKILLed; each prints its marker once it holds.
HOLDERS = (
    [[CLIENT, "so-hold-forever"]] * 4
    + [[CLIENT, "v1-hold-forever"]] * 2
    + [[DEMO, "--protocol", protocol, "--frames", "1000",
        "--misbehave", "never-signal"] for protocol in ("syncobj", "syncfile")]
)
HELD_RX = re.compile(r"^HELD$|^misbehave: never-signal at frame \d+ "
                     r"committed", re.M)

# Each makes a protocol error the scenario itself checks (exit 0).
ERRORS = [[CLIENT, name] for name in (
    "so-invalid-timeline", "so-conflicting-equal", "v1-duplicate-fence",
    "v1-invalid-fence")]

# Sends a junk timeline or fence: refused with a protocol error (exit 1).
JUNK = [[DEMO, "--protocol", protocol, "--frames", "10",
         "--misbehave", mode]
        for protocol, mode in (("syncobj", "junk-fd"),
                               ("syncfile", "junk-pipe"))]

# Exit 3 right after committing on an acquire they never signal.
DYING = [[DEMO, "--protocol", protocol, "--frames", "10",
          "--misbehave", "die-mid-frame"]
         for protocol in ("syncobj", "syncfile")]

# Pin timelines until the fd budget cuts them (the scenario checks, exit 0).
HOGS = [[CLIENT, "so-budget-hog"]] * 4

BYSTANDER_FRAMES = 60
BYSTANDER = [DEMO, "--protocol", "syncobj", "--frames", str(BYSTANDER_FRAMES),
             "--name", "bystander"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def counts(pid):
    return "%d fds, %d threads, VmRSS %d kB" % (
        fd_count(pid), thread_count(pid), rss_kb(pid))


def ended(fw, proc, argv, status, what):
    """proc exited with status; else fail with its output."""
    got = proc.wait(fw.timeout)
    if got != status:
        fail("%s (%s) exited %d, not %d:\n%s"
             % (what, " ".join(argv[1:]), got, status,
                fw.client_output(proc)))
    return fw.client_output(proc)


def soak_round(fw, n, baseline_fds, baseline_threads):
    pid = fw.proc.pid
    started = []
    for argv in HOLDERS + ERRORS + JUNK + DYING + HOGS:
        started.append((argv, fw.spawn_client(argv, env=CLIENT_ENV)))
    bystander = fw.spawn_client(BYSTANDER, env=CLIENT_ENV)
    print("round %d: %d hostile clients and a bystander started"
          % (n, len(started)))
    holders = started[:len(HOLDERS)]
    rest = started[len(HOLDERS):]

    # The self-ending ones end as their kind should.
    for argv, proc in rest:
        if argv in ERRORS:
            ended(fw, proc, argv, 0, "a protocol-error client")
        elif argv in JUNK:
            out = ended(fw, proc, argv, 1, "a junk-fd client")
            if "protocol-error:" not in out:
                fail("no protocol error for %s:\n%s" % (argv, out))
        elif argv in DYING:
            ended(fw, proc, argv, 3, "a dying producer")
        else:
            out = ended(fw, proc, argv, 0, "a hog")
            if "fd budget (%d) exceeded" % FD_BUDGET not in out:
                fail("the hog was not cut by the fd budget:\n" + out)

    # The holders hold, then are killed mid-way.
    for argv, proc in holders:
        fw.wait_for(lambda: proc.poll() is not None
                    or HELD_RX.search(fw.client_output(proc)),
                    "a holder's hold (%s)" % " ".join(argv[1:]))
        if proc.poll() is not None:
            fail("a holder (%s) exited %d:\n%s"
                 % (" ".join(argv[1:]), proc.returncode,
                    fw.client_output(proc)))
    # The bystander draws its frames while they hold, without errors.
    out = ended(fw, bystander, BYSTANDER, 0, "the bystander")
    summary = demo_summary.parse(out)
    frames = summary.get("frames")
    if frames is None or frames["presented"] <= 0:
        fail("the bystander presented nothing in round %d:\n%s" % (n, out))
    if frames["presented"] + frames["discarded"] != BYSTANDER_FRAMES:
        fail("the bystander's frames are not all accounted for:\n" + out)
    if summary["errors"]["errors"] != 0:
        fail("the bystander had errors in round %d:\n%s" % (n, out))
    print("round %d: the bystander presented %d of %d frames"
          % (n, frames["presented"], BYSTANDER_FRAMES))
    print("round %d, holders still holding: %s" % (n, counts(pid)))
    for argv, proc in holders:
        proc.send_signal(signal.SIGKILL)
    for argv, proc in holders:
        ended(fw, proc, argv, -signal.SIGKILL, "a holder")

    # Everything the round took is given back.
    fw.wait_for(lambda: fd_count(pid) <= baseline_fds + FD_TOLERANCE,
                "the fd count to return to %d (+%d)"
                % (baseline_fds, FD_TOLERANCE))
    fw.wait_for(lambda: thread_count(pid) <= baseline_threads,
                "the thread count to return to %d" % baseline_threads,
                timeout=THREAD_WAIT)
    rss = rss_kb(pid)
    print("round %d over: %s" % (n, counts(pid)))
    return rss


def main():
    if not CLIENT or not DEMO:
        print("set FW_ES_CLIENT and FW_DEMO")
        return 2
    # ASan (the sanitize lane) keeps freed memory in a quarantine of up
    # to 256 MB to catch use after free; its filling would read as growth
    # between the rounds.  A small one still catches recent frees.
    asan = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "quarantine_size_mb=%d" % ASAN_QUARANTINE_MB
    with Compositor(args=["--fd-budget", str(FD_BUDGET)]) as fw:
        pid = fw.proc.pid
        fw.wait_for_log(r"client budgets: %d fds" % FD_BUDGET)
        threads_alone = thread_count(pid)
        # Warm up: the fence library starts its long-lived helpers (event
        # fd, the fd-watch epoll) on first use; they are not leaks.
        for name in ("so-hold-then-exit", "v1-producer-killed"):
            res = fw.run_client([CLIENT, name], env=CLIENT_ENV, check=False)
            if res.returncode != 0:
                fail("warm-up %s exited %d\n%s%s" % (
                    name, res.returncode, res.stdout, res.stderr))
        # Let the compositor notice the disconnects (not a timing check).
        time.sleep(0.5)
        baseline_fds = fd_count(pid)
        # Of the threads the warm-up started only the fd-watch thread
        # stays; the others exit once they have watched nothing for a while.
        fw.wait_for(lambda: thread_count(pid) <= threads_alone + 1,
                    "the warm-up's helper threads to exit",
                    timeout=THREAD_WAIT)
        baseline_threads = thread_count(pid)
        print("baseline: %d fds, %d threads; now %s"
              % (baseline_fds, baseline_threads, counts(pid)))
        rss1 = soak_round(fw, 1, baseline_fds, baseline_threads)
        rss2 = soak_round(fw, 2, baseline_fds, baseline_threads)
        print("VmRSS after round 1: %d kB, after round 2: %d kB"
              % (rss1, rss2))
        if rss2 > rss1 + RSS_TOLERANCE_KB:
            fail("VmRSS grew by %d kB in the second round (at most %d)"
                 % (rss2 - rss1, RSS_TOLERANCE_KB))
        fw.assert_clean_exit(fw.stop())
    print("PASS soak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
