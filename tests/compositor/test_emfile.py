"""Out of file descriptors: fenceway, under a low fd limit, keeps accepting
from its own socket without spinning (CPU ticks counted over a window of
connection attempts), logs one line per episode, refuses the connections it
cannot take (they see their connection closed), and takes a new client once
others left.  At start it raises its soft fd limit to the hard one; its
children get the original back."""
import os
import resource
import socket
import time
import unittest

from fenceway import Compositor, skip_unless_programs

# The compositor's fd limit (soft = hard, so that it cannot raise it):
# room for its own fds and some dozens of clients.
LIMIT = 128
EPISODE_RE = r"out of file descriptors \(Too many open files\)"
RECOVERED_RE = r"accepting clients again"
# The window over which CPU use is counted, and the bound.  A spinning
# main loop takes all the CPU it can get: 64 of 200 ticks measured on two
# cores at load 16, ~100 % on an idle machine; fenceway now uses about 2
# (also with sanitizers).
WINDOW_S = 2.0
MAX_CPU_SHARE = 0.2


def fd_limit(soft, hard):
    def preexec():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return preexec


def cpu_ticks(pid):
    """utime + stime of pid, in clock ticks (fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def soft_fd_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no fd limit for %d" % pid)


def closed_by_peer(conn, timeout):
    """True when the compositor closed conn (EOF) within timeout, a limit
    for waiting; False when it kept it open."""
    conn.settimeout(timeout)
    try:
        return conn.recv(1) == b""
    except socket.timeout:
        return False


class Emfile(unittest.TestCase):
    def setUp(self):
        # This process holds up to 2 * LIMIT connections itself.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 4 * LIMIT <= hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        elif soft < 4 * LIMIT:
            self.skipTest("fd limit %d too low for the test" % hard)

    def connect(self, fw):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(fw.timeout)
        conn.connect(fw.socket_path)
        return conn

    def episode(self, fw, number, baseline):
        """Connect until fenceway runs out of fds, show it does not spin
        while more clients knock, then let everyone go and connect a real
        client."""
        conns = []
        try:
            for _ in range(LIMIT):
                conns.append(self.connect(fw))
            fw.wait_for_log(EPISODE_RE, count=number)
            before = cpu_ticks(fw.proc.pid)
            # Clients keep arriving during the window; each is refused.
            late = []
            for _ in range(5):
                late.append(self.connect(fw))
                time.sleep(WINDOW_S / 5)
            used = cpu_ticks(fw.proc.pid) - before
            bound = MAX_CPU_SHARE * WINDOW_S * os.sysconf("SC_CLK_TCK")
            self.assertLess(used, bound, "CPU ticks in the window")
            for conn in late:
                self.assertTrue(closed_by_peer(conn, fw.timeout),
                                "a connection fenceway cannot take stays "
                                "open")
            conns += late
        finally:
            for conn in conns:
                conn.close()
        # One line for the whole episode, however many were refused.
        self.assertEqual(len(fw.wait_for_log(EPISODE_RE, count=number)),
                         number, fw.log())
        fw.wait_for(lambda: open_fds(fw.proc.pid) <= baseline,
                    "fenceway to close the clients' fds")
        fw.run_client(["wayland-info"])
        self.assertEqual(len(fw.wait_for_log(RECOVERED_RE, count=number)),
                         number)

    def test_emfile_episodes(self):
        with Compositor(preexec=fd_limit(LIMIT, LIMIT)) as fw:
            baseline = open_fds(fw.proc.pid)
            self.assertLess(baseline, LIMIT // 2)
            self.episode(fw, 1, baseline)
            self.episode(fw, 2, baseline)
            fw.assert_clean_exit(fw.stop())

    def test_fd_limit_raised_children_get_original(self):
        cmd = 'ulimit -Sn > "$XDG_RUNTIME_DIR/child.limit"'
        with Compositor(args=["-s", cmd],
                        preexec=fd_limit(LIMIT // 2, LIMIT)) as fw:
            fw.wait_for_log(r"startup command exited \(status 0\)")
            self.assertEqual(soft_fd_limit(fw.proc.pid), LIMIT)
            with open(os.path.join(fw.runtime_dir, "child.limit")) as f:
                self.assertEqual(int(f.read()), LIMIT // 2)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("wayland-info")
    unittest.main()
