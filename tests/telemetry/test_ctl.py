"""fenceway-ctl against the real headless compositor on a real socket.

- status: a never-signalling client's held commit is listed with its age
  and what it waits for (timeline, kind, point, current value), under its
  client (pid, command) and surface, with the client's summary.
- stalls: the same client's stall.
- A held sync file is listed by its fences.
- trace start FILE / trace stop: the tool opens FILE and passes its fd;
  after stop the file is a complete trace (strict JSON, "trace end").
  Stopping again, or starting twice, is an error.
- A trace started while a client stalls gets that stall's repeats as
  instants; once it stops, the stall goes on and fenceway with it.
- A peer of another uid is refused (where root can make one).
- Malformed requests (unknown, without a newline, too long, with a NUL,
  "trace start" without an fd, a non-regular fd) each get an "error:"
  reply and the compositor goes on serving; every received fd is closed
  (the compositor's fd count comes back).
"""
import array
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from fenceway import Compositor
import explicit_sync_probe

DEMO = os.environ["FW_DEMO"]
CTL = os.environ["FW_CTL"]


def ctl(fw, *args, check=True):
    res = subprocess.run([CTL] + list(args), env=fw.client_env(),
                         stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=fw.timeout)
    if check and res.returncode != 0:
        raise AssertionError("fenceway-ctl %s: %d\n%s%s" % (
            " ".join(args), res.returncode, res.stdout, res.stderr))
    return res


def raw_request(fw, data, fds=()):
    """Send data (bytes) with fds on the control socket, read the reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(fw.timeout)
        s.connect(fw.socket_path + ".ctl")
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                array.array("i", fds))] if fds else []
        s.sendmsg([data], anc)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return reply.decode()
            reply += chunk


def spawn_never_signal(fw, protocol):
    """A demo whose frame 3 never signals, once that frame is committed."""
    client = fw.spawn_client([DEMO, "--protocol", protocol, "--misbehave",
                              "never-signal", "--misbehave-frame", "3"])
    fw.wait_for(lambda: "never-signal at frame 3 committed"
                in fw.client_output(client), "the held frame")
    return client


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Ctl(unittest.TestCase):
    def test_status_lists_held_point(self):
        with Compositor(["--stall-threshold", "50"]) as fw:
            st = os.stat(fw.socket_path + ".ctl")
            self.assertEqual(st.st_mode & 0o777, 0o600)
            client = spawn_never_signal(fw, "syncobj")
            held = re.compile(r"^    commit \d+ +held +([\d.]+) s  timeline "
                              r"'fenceway-demo acquire' \(soft\) point 3, "
                              r"at 2$", re.M)
            out = fw.wait_for(lambda: held.search(ctl(fw, "status").stdout)
                              and ctl(fw, "status").stdout, "the held commit")
            print(out)
            self.assertRegex(out, r"(?m)^fenceway \S+, pid %d; trace off$"
                             % fw.proc.pid)
            # Under its client and surface, in that order.
            c = re.search(r"^client pid %d \(fenceway-demo\): \d+ commits"
                          % client.pid, out, re.M)
            s = re.search(r"^  wl_surface@\d+ \(app_id 'fenceway-demo[^']*', "
                          r"title 'fenceway-demo'\): 1 held, \d+ releases? "
                          r"pending$", out, re.M)
            h = held.search(out)
            self.assertTrue(c and s and h, out)
            self.assertLess(c.start(), s.start())
            self.assertLess(s.start(), h.start())
            self.assertGreater(float(h.group(1)), 0.0)
            # The age grows (order of two readings, not a timing).
            time.sleep(0.1)
            later = held.search(ctl(fw, "status").stdout)
            self.assertGreater(float(later.group(1)), float(h.group(1)))

            # Once held past the threshold (50 ms here), a stall.
            stalls = fw.wait_for(
                lambda: ctl(fw, "stalls").stdout.startswith("client pid")
                and ctl(fw, "stalls").stdout, "the stall")
            self.assertRegex(stalls, r"(?m)^client pid %d \(fenceway-demo\): "
                             r"stalled for [\d.]+ s: wl_surface@\d+ .*point "
                             r"3, at 2;" % client.pid)
            fw.assert_clean_exit(fw.stop())

    def test_status_names_sync_file(self):
        """A held sync file is described by its fences: driver, timeline
        name, seqno, state."""
        with Compositor() as fw:
            spawn_never_signal(fw, "syncfile")
            held = re.compile(r"(?m)^    commit \d+ +held +[\d.]+ s  sync "
                              r"file \(1 fence\): fenceway-soft "
                              r"'fenceway-sync-file' seqno \d+ active$")
            fw.wait_for(lambda: held.search(ctl(fw, "status").stdout),
                        "the held sync file in the status")
            fw.assert_clean_exit(fw.stop())

    def test_no_stalls(self):
        with Compositor() as fw:
            self.assertEqual(ctl(fw, "stalls").stdout, "no stalls\n")
            self.assertIn("0 clients with commits", ctl(fw, "status").stdout)
            fw.assert_clean_exit(fw.stop())

    def test_trace_start_stop(self):
        with tempfile.TemporaryDirectory() as tmp, Compositor() as fw:
            path = os.path.join(tmp, "trace.json")
            client = fw.spawn_client([DEMO, "--protocol", "syncobj",
                                      "--frames", "100000"])
            fw.wait_for(lambda: "toplevel" in fw.log(), "the demo's window")
            ctl(fw, "trace", "start", path)
            self.assertIn("trace running", ctl(fw, "status").stdout)
            second = ctl(fw, "trace", "start", path + ".2", check=False)
            self.assertEqual(second.returncode, 1)
            self.assertIn("a trace is already running", second.stderr)
            fw.wait_for(lambda: os.path.getsize(path) > 4096,
                        "trace events in the file")
            ctl(fw, "trace", "stop")
            with open(path) as f:
                events = json.load(f)   # strict JSON: the trace was closed
            self.assertEqual(events[-1]["name"], "trace end")
            self.assertTrue(any(e.get("name") == "process_name" and
                                e["args"]["name"].startswith("fenceway-demo (")
                                for e in events))
            self.assertTrue(any(e.get("cat") == "commit" for e in events))
            again = ctl(fw, "trace", "stop", check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn("no trace is running", again.stderr)
            # Another trace after the first one.
            ctl(fw, "trace", "start", path + ".3")
            ctl(fw, "trace", "stop")
            with open(path + ".3") as f:
                self.assertEqual(json.load(f)[-1]["name"], "trace end")
            client.terminate()
            client.wait()
            fw.assert_clean_exit(fw.stop())

    def test_trace_started_in_stall(self):
        with tempfile.TemporaryDirectory() as tmp, \
                Compositor(["--stall-threshold", "50"]) as fw:
            path = os.path.join(tmp, "trace.json")
            client = spawn_never_signal(fw, "syncobj")
            line = r"client pid %d \(fenceway-demo\): still stalled: " \
                % client.pid
            # Its first report is out (an earlier frame may have stalled
            # before on a loaded machine): what follows are repeats.
            fw.wait_for_log(r"client pid %d \(fenceway-demo\): stall: .*"
                            r"point 3, at 2;" % client.pid)
            ctl(fw, "trace", "start", path)
            seen = len(re.findall(line, fw.log()))
            fw.wait_for_log(line, count=seen + 1)
            ctl(fw, "trace", "stop")
            # The stall's next line comes without a trace to write to.
            fw.wait_for_log(line, count=seen + 2)
            with open(path) as f:
                events = json.load(f)
            repeats = [e for e in events if e.get("cat") == "stall"]
            self.assertTrue(repeats, "no stall instant in the trace")
            self.assertEqual({e["name"] for e in repeats}, {"stall repeat"})
            self.assertEqual({e["pid"] for e in repeats}, {client.pid})
            self.assertEqual({e["args"]["point"] for e in repeats}, {3})
            client.terminate()
            client.wait()
            fw.assert_clean_exit(fw.stop())

    def test_other_user_refused(self):
        """A peer of another uid (here nobody, kept able to reach the 0600
        socket in the 0700 directory) is refused by the SO_PEERCRED check."""
        setpriv = shutil.which("setpriv")
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534",
                     "--clear-groups", "--inh-caps=+dac_override",
                     "--ambient-caps=+dac_override"] if setpriv else []
        if os.geteuid() != 0 or not setpriv or subprocess.run(
                as_nobody + ["true"], capture_output=True).returncode != 0:
            self.skipTest("needs root and setpriv with ambient capabilities")
        with Compositor() as fw:
            res = subprocess.run(as_nobody + [CTL, "status"],
                                 env=fw.client_env(), capture_output=True,
                                 text=True, timeout=fw.timeout)
            self.assertEqual(res.returncode, 1, res.stderr)
            self.assertIn("error: not your compositor", res.stderr)
            self.assertEqual(res.stdout, "")
            fw.wait_for_log(r"fenceway-ctl: refused pid \d+, uid 65534")
            self.assertTrue(ctl(fw, "status").stdout.startswith("fenceway "))
            fw.assert_clean_exit(fw.stop())

    def test_malformed_requests(self):
        with Compositor() as fw:
            ctl(fw, "status")   # the library's helpers are up: a baseline
            base = fd_count(fw.proc.pid)
            r, w = os.pipe()
            devnull = os.open(os.devnull, os.O_WRONLY)
            cases = [
                (b"bogus\n", (), "unknown request"),
                (b"status", (), "ended before its newline"),
                (b"x" * 1000, (), "too long"),
                (b"sta\0tus\n", (), "NUL byte"),
                (b"trace start\n", (), "needs the file's fd"),
                (b"trace start pipe\n", (w,), "needs a regular file"),
                (b"status\n", (devnull, r, w), None),
                (b"trace stop\n", (devnull,), "no trace is running"),
            ]
            try:
                for data, fds, error in cases:
                    reply = raw_request(fw, data, fds)
                    if error is None:
                        self.assertTrue(reply.startswith("ok\n"), reply)
                    else:
                        self.assertTrue(reply.startswith("error: "), reply)
                        self.assertIn(error, reply.splitlines()[0])
            finally:
                for fd in (r, w, devnull):
                    os.close(fd)
            # A connection that says nothing and goes.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(fw.socket_path + ".ctl")
            self.assertTrue(ctl(fw, "status").stdout.startswith("fenceway "))
            fw.wait_for(lambda: fd_count(fw.proc.pid) == base,
                        "the compositor's fd count back at %d" % base)
            bad = ctl(fw, "frobnicate", check=False)
            self.assertEqual(bad.returncode, 2)
            gone = subprocess.run([CTL, "-s", "no-such-socket", "status"],
                                  env=fw.client_env(), capture_output=True,
                                  text=True)
            self.assertEqual(gone.returncode, 1)
            self.assertIn("cannot connect", gone.stderr)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
