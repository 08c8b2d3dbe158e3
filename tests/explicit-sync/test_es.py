"""Explicit-sync conformance tests: the real fenceway, headless, and
fw-es-client scenarios (es-scenarios.h).

    test_es.py NAME

NAME is either a scenario of fw-es-client (run against a fresh compositor,
which must then exit cleanly: status 0, no sanitizer report) or one of the
tests below that need more than one client process or look at the
compositor from outside (its log, its fd table, its globals).
No assertion here is about time; waits have generous limits only.
"""
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time

from fenceway import Compositor, skip_unless_programs

CLIENT = os.environ.get("FW_ES_CLIENT")

# The client is a test tool that never frees what it allocates; only the
# compositor's leaks matter here.
CLIENT_ENV = {"ASAN_OPTIONS": "detect_leaks=0"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run_scenario(fw, name, expect_status=0):
    res = fw.run_client([CLIENT, name], env=CLIENT_ENV, check=False)
    sys.stdout.write(res.stdout)
    sys.stdout.write(res.stderr)
    if res.returncode != expect_status:
        fail("scenario %s exited %d\n--- fenceway log ---\n%s"
             % (name, res.returncode, fw.log()[-6000:]))
    return res


def finish(fw):
    fw.assert_clean_exit(fw.stop())


# ---- tests that need more than a scenario ----

def test_globals():
    """Both globals, at the versions fenceway implements."""
    skip_unless_programs("wayland-info")
    with Compositor() as fw:
        out, found = fw.wayland_globals()
        for name, version in (("wp_linux_drm_syncobj_manager_v1", 1),
                              ("zwp_linux_explicit_synchronization_v1", 2)):
            if name not in found:
                fail("%s missing:\n%s" % (name, out))
            if not re.search(r"interface: '%s',\s+version:\s+%d," % (name, version),
                             out):
                fail("%s not at version %d:\n%s" % (name, version, out))
        finish(fw)


def kill_switch(args, env):
    skip_unless_programs("wayland-info")
    with Compositor(args=args, env=env) as fw:
        out, found = fw.wayland_globals()
        for name in ("wp_linux_drm_syncobj_manager_v1",
                     "zwp_linux_explicit_synchronization_v1"):
            if name in found:
                fail("%s advertised with the kill switch:\n%s" % (name, out))
        if "wl_compositor" not in found:
            fail("core globals missing:\n" + out)
        finish(fw)


def test_kill_switch_env():
    kill_switch([], {"FENCEWAY_NO_EXPLICIT_SYNC": "1"})


def test_kill_switch_option():
    kill_switch(["--no-explicit-sync"], {})


def test_timeline_error_logged():
    with Compositor() as fw:
        run_scenario(fw, "so-timeline-error")
        fw.wait_for_log(r"client pid \d+ \([^)]*\): wl_surface@\d+: acquire fence on "
                        r"timeline '[^']*' point 2 failed")
        finish(fw)


def test_producer_killed_logged():
    with Compositor() as fw:
        run_scenario(fw, "v1-producer-killed")
        fw.wait_for_log(r"client pid \d+ \([^)]*\): wl_surface@\d+: acquire fence on "
                        r"timeline '[^']*' point \d+ failed")
        finish(fw)


def cap(name, limit):
    with Compositor() as fw:
        res = run_scenario(fw, name)
        if limit not in res.stderr:
            fail("the client's error does not name %s:\n%s" % (limit, res.stderr))
        fw.wait_for_log(r"client pid \d+ \([^)]*\): disconnected: " + limit)
        finish(fw)


def test_cap_commits():
    cap("so-cap-commits", "FW_COMMIT_MAX_CACHED")


def test_cap_timelines():
    cap("so-cap-timelines", "FW_ES_MAX_TIMELINES")


def test_stall_logged():
    """A commit held past the stall threshold (default 1 s) makes one
    stall line with pid, surface and point; the client SIGKILLed then
    leaves with its commits held, which is said too."""
    with Compositor() as fw:
        client = fw.spawn_client([CLIENT, "so-hold-forever"], env=CLIENT_ENV)
        fw.wait_for(lambda: "HELD" in fw.client_output(client), "the hold")
        rx = (r"client pid %d \(\S*\): stall: wl_surface@\d+.*: commit \d+ "
              r"held for [\d.]+ s, waiting for timeline '[^']*' \(soft\) "
              r"point 2, at \d+" % client.pid)
        fw.wait_for_log(rx)
        client.kill()
        client.wait()
        fw.wait_for_log(r"client pid %d \(\S*\): left with \d+ held commits?;"
                        % client.pid)
        if len(re.findall(rx, fw.log())) != 1:
            fail("the stall's first line came more than once")
        finish(fw)


def test_release_scanout():
    """A fullscreen surface is scanned out directly; its superseded
    commits' releases wait for the output to move on (the log says so),
    and still come exactly once (the scenario checks)."""
    with Compositor(args=["--log-level", "debug"]) as fw:
        run_scenario(fw, "so-release-fullscreen")
        fw.wait_for_log(r"direct scan-out of a client buffer")
        fw.wait_for_log(r"superseded while an output scans its buffer out; "
                        r"release deferred")
        finish(fw)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_baseline(fw, *warmups):
    """The compositor's fd count after the warm-up scenarios: they start
    the fence library's long-lived helpers, which are not leaks."""
    for name in warmups:
        run_scenario(fw, name)
    # Let the compositor notice the disconnects (not a timing check).
    time.sleep(0.5)
    baseline = fd_count(fw.proc.pid)
    print("baseline: %d fds" % baseline)
    return baseline


def wait_fds_back(fw, baseline):
    """Every fd the compositor took since the baseline is closed again."""
    fw.wait_for(lambda: fd_count(fw.proc.pid) == baseline,
                "the fd count to return to %d" % baseline)


def killed_while_held(warmup, scenario):
    """A client SIGKILLed while its commits are held leaves nothing behind:
    the compositor's fd count returns to its baseline."""
    with Compositor() as fw:
        # Warm up: the fence library starts its long-lived helpers (event
        # fd, threads, the fd-watch epoll) on first use.
        baseline = fd_baseline(fw, warmup)
        client = fw.spawn_client([CLIENT, scenario], env=CLIENT_ENV)
        fw.wait_for(lambda: "HELD" in fw.client_output(client), "the hold")
        during = fd_count(fw.proc.pid)
        print("while held: %d fds" % during)
        client.send_signal(signal.SIGKILL)
        client.wait()
        wait_fds_back(fw, baseline)
        print("after SIGKILL: %d fds" % fd_count(fw.proc.pid))
        # And the compositor still works for the next client.
        run_scenario(fw, warmup)
        finish(fw)


def test_killed_while_held():
    killed_while_held("so-hold-then-exit", "so-hold-forever")


def test_killed_while_held_v1():
    killed_while_held("v1-producer-killed", "v1-hold-forever")


def test_fds_error_paths():
    """Every fd a client sends is closed on every path: after clients that
    pass junk, duplicates, fds for dead surfaces and one timeline too many,
    the compositor's fd count is back at its baseline."""
    with Compositor() as fw:
        # Warm up the fence library's long-lived helpers: its futex
        # bridge, and the fd-watch thread (an epoll fd) that pending soft
        # sync files from other processes need.
        baseline = fd_baseline(fw, "so-hold-then-exit", "v1-producer-killed")
        for name in ("so-invalid-timeline", "so-invalid-timeline-sync-file",
                     "v1-invalid-fence", "v1-invalid-fence-timeline",
                     "v1-duplicate-fence", "v1-no-surface-fence",
                     "v1-no-buffer-fence", "so-cap-timelines",
                     "so-timeline-error", "v1-producer-killed"):
            run_scenario(fw, name)
        wait_fds_back(fw, baseline)
        finish(fw)


# ---- budgets (es-budget.c) ----

# The fd limit fenceway gets in the budget tests: low, as a hog would
# exhaust it, and both soft and hard so it cannot raise it.  With it the
# default fd budget is (1024 - 256) / 3 = 256.
BUDGET_NOFILE = 1024


def low_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (BUDGET_NOFILE, BUDGET_NOFILE))


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


class Sampler:
    """The compositor's highest fd and thread counts while it runs (for
    the figures printed; nothing asserts on them)."""

    def __init__(self, pid):
        self.pid = pid
        self.fds = self.threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.fds = max(self.fds, fd_count(self.pid))
                self.threads = max(self.threads, thread_count(self.pid))
            except OSError:
                pass
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def expect_cut(fw, output, budget_text):
    """The client was cut by the budget, whose text both the client's
    error (in its output) and the compositor's log line start with."""
    if not re.search(r"error 3: " + re.escape(budget_text), output):
        fail("the client's error does not start with '%s':\n%s"
             % (budget_text, output))
    fw.wait_for_log(r"client pid \d+ \([^)]*\): disconnected: "
                    + re.escape(budget_text))


def test_budget_hog():
    """Under a fd limit of 1024, an innocent client connects first; a hog
    tries to take every fd the compositor has left, with many surfaces,
    each a commit held on a timeline of its own whose object it destroys
    right after committing, and then to hold them.  The hog is cut by the
    fd budget (not by running out of fds), the compositor's fds and
    threads return to what they were before the hog, and the innocent
    then imports a timeline and presents."""
    with Compositor(preexec=low_nofile) as fw:
        fw.wait_for_log(r"client budgets: 256 fds, 256 waits per client "
                        r"\(fd limit %d\)" % BUDGET_NOFILE)
        pid = fw.proc.pid
        innocent = fw.spawn_client([CLIENT, "so-budget-innocent"],
                                   env=CLIENT_ENV)
        fw.wait_for(lambda: "READY" in fw.client_output(innocent),
                    "the innocent client")
        # Settled: what the innocent's connection and window cost.
        time.sleep(0.5)
        fds_before, threads_before = fd_count(pid), thread_count(pid)
        # All it can take: besides its pins the hog costs its connection
        # and its shm pool, and an import needs the fd received and the
        # dup the fence library keeps; this leaves one fd, too few for
        # anyone's import.
        hold = BUDGET_NOFILE - fds_before - 3
        env = dict(CLIENT_ENV, FW_ES_HOG_HOLD=str(hold))
        with Sampler(pid) as peak:
            hog = fw.spawn_client([CLIENT, "so-budget-hog"], env=env)
            fw.wait_for(lambda: hog.poll() is not None
                        or "HOLDING" in fw.client_output(hog), "the hog")
        output = fw.client_output(hog)
        sys.stdout.write(output)
        print("hog cut: fds %d before, %d at most; threads %d before, "
              "%d at most" % (fds_before, peak.fds, threads_before,
                              peak.threads))
        if hog.poll() is None:
            fail("the hog holds the %d fds the compositor had left" % hold)
        expect_cut(fw, output, "fd budget (256) exceeded")
        if "Too many open files" in fw.log() + output:
            fail("the compositor ran out of fds:\n" + fw.log()[-3000:])
        wait_fds_back(fw, fds_before)
        # Helper threads left watching nothing exit after a while.
        fw.wait_for(lambda: thread_count(pid) <= threads_before + 1,
                    "the thread count to return to %d" % threads_before)
        print("after the hog: fds %d, threads %d"
              % (fd_count(pid), thread_count(pid)))
        innocent.send_signal(signal.SIGUSR1)
        status = innocent.wait(fw.timeout)
        out = fw.client_output(innocent)
        sys.stdout.write(out)
        if status != 0 or "presented" not in out:
            fail("the innocent client did not present (status %d)" % status)
        finish(fw)


def test_budget_options():
    """--fd-budget and --wait-budget: in --help, refused unless 1..1000000,
    logged at start, and a small fd budget cuts early."""
    binary = os.environ["FENCEWAY"]
    out = subprocess.run([binary, "--help"], capture_output=True,
                         text=True, check=True).stdout
    for option in ("--fd-budget N", "--wait-budget N"):
        if option not in out:
            fail("%s not in --help:\n%s" % (option, out))
    for bad in ("0", "-3", "x", "1000001", ""):
        res = subprocess.run([binary, "--fd-budget", bad], capture_output=True,
                             text=True)
        if res.returncode != 2 or "invalid budget" not in res.stderr:
            fail("--fd-budget '%s': status %d\n%s"
                 % (bad, res.returncode, res.stderr))
    with Compositor(args=["--fd-budget", "20", "--wait-budget", "30"]) as fw:
        fw.wait_for_log(r"client budgets: 20 fds, 30 waits per client")
        res = run_scenario(fw, "so-budget-hog")
        expect_cut(fw, res.stderr, "fd budget (20) exceeded")
        if "cut after at most 32 timelines" not in res.stdout:
            fail("not cut in the second batch of 16:\n" + res.stdout)
        finish(fw)


def test_budget_waits():
    """Commits held on one timeline are one wait; each timeline more is
    one more, and the one past --wait-budget cuts the client."""
    with Compositor(args=["--wait-budget", "8"]) as fw:
        res = run_scenario(fw, "so-budget-waits")
        expect_cut(fw, res.stderr, "wait budget (8) exceeded")
        if "cut at timeline 8 of its own" not in res.stdout:
            fail("cut at the wrong timeline:\n" + res.stdout)
        finish(fw)


def test_budget_shared():
    """One timeline imported twice by one client is one fd."""
    with Compositor(args=["--fd-budget", "3"]) as fw:
        res = run_scenario(fw, "so-budget-shared")
        expect_cut(fw, res.stderr, "fd budget (3) exceeded")
        finish(fw)


def test_budget_fences():
    """Acquire sync files held count against the fd budget."""
    with Compositor(args=["--fd-budget", "4"]) as fw:
        res = run_scenario(fw, "v1-budget-fences")
        expect_cut(fw, res.stderr,
                   "fd budget (4) exceeded: an acquire fence")
        if "cut at acquire fence 5" not in res.stdout:
            fail("cut at the wrong fence:\n" + res.stdout)
        finish(fw)


SPECIAL = {
    "release-scanout": test_release_scanout,
    "fds-error-paths": test_fds_error_paths,
    "globals": test_globals,
    "kill-switch-env": test_kill_switch_env,
    "kill-switch-option": test_kill_switch_option,
    "timeline-error-logged": test_timeline_error_logged,
    "producer-killed-logged": test_producer_killed_logged,
    "cap-commits": test_cap_commits,
    "cap-timelines": test_cap_timelines,
    "stall-logged": test_stall_logged,
    "killed-while-held": test_killed_while_held,
    "killed-while-held-v1": test_killed_while_held_v1,
    "budget-hog": test_budget_hog,
    "budget-options": test_budget_options,
    "budget-waits": test_budget_waits,
    "budget-shared": test_budget_shared,
    "budget-fences": test_budget_fences,
}


def main():
    if len(sys.argv) != 2:
        print("usage: test_es.py NAME")
        return 2
    if not CLIENT:
        print("set FW_ES_CLIENT")
        return 2
    name = sys.argv[1]
    if name in SPECIAL:
        SPECIAL[name]()
    else:
        if name in ("so-hold", "v1-hold-early-release",
                    "so-null-attach-behind-held", "so-subsurface-hold",
                    "so-parent-released-desync",
                    "so-parent-released-destroy"):
            skip_unless_programs("grim")
        with Compositor() as fw:
            run_scenario(fw, name)
            finish(fw)
    print("PASS " + name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
