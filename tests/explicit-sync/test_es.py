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
import signal
import sys
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
        fw.wait_for_log(r"client pid \d+, wl_surface@\d+: acquire fence on "
                        r"timeline '[^']*' point 2 failed")
        finish(fw)


def test_producer_killed_logged():
    with Compositor() as fw:
        run_scenario(fw, "v1-producer-killed")
        fw.wait_for_log(r"client pid \d+, wl_surface@\d+: acquire fence on "
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
