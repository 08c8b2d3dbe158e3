"""The listening socket is fenceway's own: it locks NAME.lock as libwayland
does, refuses a name another compositor holds (one ERROR line, exit
non-zero), replaces a dead compositor's socket, picks the first free
wayland-N, and hands WAYLAND_DISPLAY to its -s child through the child's
environment only."""
import fcntl
import os
import re
import socket
import subprocess
import tempfile
import unittest

from fenceway import Compositor, compositor_env, skip_unless_programs

BIN = os.environ.get("FENCEWAY")
LISTENING_RE = re.compile(r"listening on WAYLAND_DISPLAY=(\S+)")


def read_environ(path):
    with open(path, "rb") as f:
        entries = f.read().split(b"\0")
    return dict(e.decode().split("=", 1) for e in entries if b"=" in e)


class Socket(unittest.TestCase):
    def test_name_in_use(self):
        with Compositor() as fw:
            # At --log-level error the one line naming the cause (and the
            # way out) is all there is.
            res = subprocess.run(
                [BIN, "--headless", "--log-level", "error",
                 "--socket", fw.socket],
                env=compositor_env(fw.runtime_dir), capture_output=True,
                text=True, timeout=fw.timeout, stdin=subprocess.DEVNULL)
            self.assertNotEqual(res.returncode, 0, res.stderr)
            lines = res.stderr.splitlines()
            self.assertEqual(len(lines), 1, res.stderr)
            self.assertIn("[ERROR]", lines[0])
            self.assertIn("socket %s is in use (another compositor?); name "
                          "another with --socket" % fw.socket, lines[0])
            # The loser removed nothing of the winner's: both files are
            # there and the first compositor still takes clients.
            self.assertTrue(os.path.exists(fw.socket_path))
            self.assertTrue(os.path.exists(fw.socket_path + ".lock"))
            fw.run_client(["wayland-info"])
            fw.assert_clean_exit(fw.stop())

    def test_stale_socket_replaced(self):
        # A compositor that died left its socket file but no lock holder:
        # the file is taken over.
        runtime_dir = tempfile.mkdtemp(prefix="fenceway-xdg-")
        name = "stale-%d" % os.getpid()
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(os.path.join(runtime_dir, name))
        dead.close()
        with Compositor(socket=name, runtime_dir=runtime_dir) as fw:
            fw.run_client(["wayland-info"])
            fw.assert_clean_exit(fw.stop())
            self.assertFalse(os.path.exists(fw.socket_path))

    def test_auto_name_skips_locked(self):
        # Another compositor holds wayland-0: fenceway takes wayland-1 and
        # leaves wayland-0's lock file alone.
        with Compositor(socket=False) as fw0:
            lock_path = os.path.join(fw0.runtime_dir, "wayland-0.lock")
            self.assertEqual(fw0.socket, "wayland-0")
            with open(lock_path, "rb") as lock:
                with self.assertRaises(BlockingIOError):
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            res = subprocess.Popen(
                [BIN, "--headless"], env=compositor_env(fw0.runtime_dir),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, text=True)
            try:
                for line in res.stdout:
                    m = LISTENING_RE.search(line)
                    if m:
                        break
                self.assertIsNotNone(m)
                self.assertEqual(m.group(1), "wayland-1")
            finally:
                res.terminate()
                res.communicate(timeout=fw0.timeout)
            self.assertEqual(res.returncode, 0)
            self.assertTrue(os.path.exists(lock_path))
            self.assertFalse(os.path.exists(os.path.join(fw0.runtime_dir,
                                                         "wayland-1")))
            fw0.assert_clean_exit(fw0.stop())

    def test_child_environment(self):
        # The -s child finds us through its own environment; the
        # compositor's stays as it was started, and --no-explicit-sync
        # reaches the explicit-sync module through the config, not the
        # environment.
        cmd = 'cat /proc/$$/environ > "$XDG_RUNTIME_DIR/child.env"'
        with Compositor(args=["--no-explicit-sync", "-s", cmd]) as fw:
            fw.wait_for_log(r"startup command exited \(status 0\)")
            child = read_environ(os.path.join(fw.runtime_dir, "child.env"))
            own = read_environ("/proc/%d/environ" % fw.proc.pid)
            self.assertEqual(child.get("WAYLAND_DISPLAY"), fw.socket)
            self.assertEqual(child.get("XDG_RUNTIME_DIR"), fw.runtime_dir)
            self.assertNotIn("FENCEWAY_NO_EXPLICIT_SYNC", child)
            self.assertNotIn("WAYLAND_DISPLAY", own)
            self.assertIn("explicit-sync: disabled", fw.log())
            _, names = fw.wayland_globals()
            self.assertIn("wl_compositor", names)
            self.assertNotIn("wp_linux_drm_syncobj_manager_v1", names)
            self.assertNotIn("zwp_linux_explicit_synchronization_v1", names)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("wayland-info")
    unittest.main()
