"""Runner mode, `fenceway [options] -- CMD [ARGS...]`: CMD runs as the
compositor's client and fenceway exits with CMD's status (128 + N for a
signal N), passing SIGINT/SIGTERM on to it.  Without XDG_RUNTIME_DIR it
makes a private one for CMD and removes it at exit, leaving its own
environment as it was.  And the startup errors: one line each, naming the
cause and the fix."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from fenceway import DEFAULT_TIMEOUT, compositor_env, skip_unless_programs

BIN = os.environ.get("FENCEWAY")


def runner(cmd, runtime_dir=None, args=(), **kwargs):
    """Start fenceway --headless [args] -- cmd (stdout: CMD's, stderr: the
    log), XDG_RUNTIME_DIR unset unless given."""
    return subprocess.Popen(
        [BIN, "--headless"] + list(args) + ["--"] + list(cmd),
        env=compositor_env(runtime_dir), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def finish(proc):
    out, err = proc.communicate(timeout=DEFAULT_TIMEOUT)
    return proc.returncode, out, err


def parse_environ(data):
    return dict(e.split("=", 1) for e in data.split("\0") if "=" in e)


class Runner(unittest.TestCase):
    def test_status_zero_private_runtime_dir(self):
        # CMD is a real client; it reports what it was given and what its
        # parent (fenceway) has in its own environment.
        script = ('wayland-info > /dev/null || exit 1; '
                  'echo "display=$WAYLAND_DISPLAY"; '
                  'echo "runtime=$XDG_RUNTIME_DIR"; '
                  'test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" || exit 2; '
                  'stat -c "mode=%a" "$XDG_RUNTIME_DIR"; '
                  'tr "\\0" "\\n" < /proc/$PPID/environ | '
                  'sed "s/^/parent:/"')
        status, out, err = finish(runner(["sh", "-c", script]))
        self.assertEqual(status, 0, err)
        values = dict(line.split("=", 1) for line in out.splitlines()
                      if not line.startswith("parent:"))
        parent = [line[len("parent:"):] for line in out.splitlines()
                  if line.startswith("parent:")]
        self.assertTrue(values["display"].startswith("wayland-"), out)
        self.assertEqual(values["mode"], "700")
        self.assertFalse(os.path.exists(values["runtime"]),
                         "private runtime dir left behind")
        self.assertTrue(parent, out)
        for entry in parent:
            self.assertFalse(entry.startswith(("WAYLAND_DISPLAY=",
                                               "XDG_RUNTIME_DIR=")), entry)
        self.assertIn("command exited (status 0)", err)
        # No render node here: pixman made directly, so nothing in a
        # normal run is logged as an error.
        self.assertNotIn("[ERROR]", err)

    def test_status_nonzero(self):
        status, _, err = finish(runner(["sh", "-c", "exit 5"]))
        self.assertEqual(status, 5, err)

    def test_status_signal(self):
        status, _, err = finish(runner(["sh", "-c", "kill -USR1 $$"]))
        self.assertEqual(status, 128 + signal.SIGUSR1, err)
        self.assertIn("command exited (signal %d)" % signal.SIGUSR1, err)

    def test_command_not_found(self):
        status, _, err = finish(runner(["/nonexistent/fenceway-cmd"],
                                       args=["--log-level", "error"]))
        self.assertNotEqual(status, 0)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertIn("cannot run /nonexistent/fenceway-cmd: No such file",
                      lines[0])

    def forwarded(self, sig, code):
        # CMD exits with its own code when the signal reaches it; fenceway
        # itself is the only process signalled here.
        script = ('trap "exit %d" %s; echo ready; '
                  'while :; do sleep 0.05; done'
                  % (code, signal.Signals(sig).name[3:]))
        proc = runner(["sh", "-c", script])
        try:
            self.assertEqual(proc.stdout.readline(), "ready\n")
            proc.send_signal(sig)
            status, _, err = finish(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(status, code, err)
        self.assertIn("caught %s, passed on to the command"
                      % signal.Signals(sig).name, err)
        self.assertIn("command exited (status %d)" % code, err)

    def test_forwards_sigterm(self):
        self.forwarded(signal.SIGTERM, 7)

    def test_forwards_sigint(self):
        self.forwarded(signal.SIGINT, 9)

    def test_given_runtime_dir_kept(self):
        runtime_dir = tempfile.mkdtemp(prefix="fenceway-xdg-")
        try:
            status, out, err = finish(runner(
                ["sh", "-c", 'echo "$XDG_RUNTIME_DIR"'],
                runtime_dir=runtime_dir, args=["--socket", "run-sock"]))
            self.assertEqual(status, 0, err)
            self.assertEqual(out.strip(), runtime_dir)
            self.assertEqual(os.listdir(runtime_dir), [],
                             "socket or lock file left behind")
        finally:
            shutil.rmtree(runtime_dir)


class StartupErrors(unittest.TestCase):
    def one_line(self, env_changes, args, *needles):
        env = compositor_env(None, env_changes)
        res = subprocess.run([BIN] + args, env=env, capture_output=True,
                             text=True, timeout=DEFAULT_TIMEOUT,
                             stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 1, res.stderr)
        lines = res.stderr.splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertTrue(lines[0].startswith("fenceway: "), lines[0])
        for needle in needles:
            self.assertIn(needle, lines[0])
        return lines[0]

    def test_runtime_dir_unset(self):
        self.one_line({}, ["--headless"], "XDG_RUNTIME_DIR is not set",
                      "-- CMD")

    def test_runtime_dir_empty(self):
        self.one_line({"XDG_RUNTIME_DIR": ""}, ["--headless"],
                      "XDG_RUNTIME_DIR is empty", "mode 0700")

    def test_runtime_dir_missing(self):
        missing = os.path.join(tempfile.gettempdir(),
                               "fenceway-no-such-dir-%d" % os.getpid())
        self.one_line({"XDG_RUNTIME_DIR": missing}, ["--headless"],
                      "XDG_RUNTIME_DIR=%s: No such file" % missing,
                      "mkdir -m 0700")

    def test_no_display(self):
        # Nothing to nest in and no seat session: fail at once, saying
        # what to do, instead of wlroots waiting for a session.
        if os.path.exists("/run/seatd.sock") and glob.glob("/dev/dri/card*"):
            self.skipTest("this machine could start a DRM session")
        runtime_dir = tempfile.mkdtemp(prefix="fenceway-xdg-")
        try:
            self.one_line({"XDG_RUNTIME_DIR": runtime_dir,
                           "WLR_BACKENDS": None, "LIBSEAT_BACKEND": None,
                           "XDG_SESSION_ID": None}, [], "use --headless")
            self.assertEqual(os.listdir(runtime_dir), [])
        finally:
            shutil.rmtree(runtime_dir)


if __name__ == "__main__":
    skip_unless_programs("wayland-info")
    unittest.main()
