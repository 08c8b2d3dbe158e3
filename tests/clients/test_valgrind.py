"""fenceway-demo under valgrind (memcheck, --track-fds=yes) against the
real compositor, per protocol (argv[1]): no memory errors, no leaks of
definite kind, and no fd the demo opened itself (its pool memfd, eventfd,
signalfd, the fds it sends) left open at exit.  fds the fence library
opened are its business: its long-lived fd-watch fds (docs/testing.md),
and timeline memfds its watcher threads release asynchronously after the
last fw_timeline_put() -- a missing put of ours would show up as a leaked
timeline in the sanitizer lane.  valgrind lacks futex_waitv: the library
falls back to plain FUTEX_WAIT by itself, which this also exercises on the
client side.  Third-party leaks are suppressed by
tests/sanitizers/valgrind.supp (the policy of docs/testing.md).
"""
import os
import re
import shutil
import sys
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

PROTOCOL = "syncobj"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    PROTOCOL = sys.argv.pop(1)
DEMO = os.environ["FW_DEMO"]
FRAMES = 20
SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "sanitizers", "valgrind.supp")


def open_fds(log):
    """(fd, description block) for each fd valgrind lists at exit."""
    blocks = re.split(r"^==\d+== Open (?:AF_UNIX socket|file descriptor) ", log, flags=re.M)[1:]
    out = []
    for b in blocks:
        m = re.match(r"(\d+)", b)
        lines = []
        for line in b.splitlines()[1:]:
            if not line.startswith("==") or line.strip().endswith("=="):
                break
            lines.append(line)
        out.append((int(m.group(1)) if m else -1, b.splitlines()[0] + "\n" + "\n".join(lines)))
    return out


# The demo's own source files, as valgrind names them in a stack.
DEMO_FRAME = re.compile(r"\((app|pool|render|draw|label|junk|main|backend_\w+|display|"
                        r"errors|options|signals|stats|toplevel)\.c:\d+\)")


def opened_by_library(stack):
    """True if a fence-library entry point (fw_*) lies between the syscall
    and the first frame of the demo's own code."""
    for line in stack.splitlines():
        if DEMO_FRAME.search(line):
            return False
        if re.search(r": fw_\w+ \(", line):
            return True
    return False


class Valgrind(unittest.TestCase):
    def test_clean_exit(self):
        with Compositor() as fw:
            log_path = os.path.join(fw.runtime_dir, "valgrind.log")
            res = fw.run_client(
                ["valgrind", "-q", "--track-fds=yes", "--error-exitcode=99",
                 "--leak-check=full", "--errors-for-leak-kinds=definite",
                 # Deep enough for a suppression to see who started
                 # a third-party allocation.
                 "--num-callers=40", "--suppressions=" + SUPPRESSIONS,
                 "--log-file=" + log_path, DEMO, "--protocol", PROTOCOL,
                 "--frames", str(FRAMES), "--latency", "2"],
                check=False, timeout=240)
            with open(log_path) as f:
                log = f.read()
            out = res.stdout + res.stderr + log
            self.assertEqual(res.returncode, 0, out)
            demo_summary.check_accounting(self, demo_summary.parse(res.stdout), FRAMES, out)
            for fd, what in open_fds(log):
                if fd <= 2 or "<inherited from parent>" in what:
                    continue
                self.assertTrue(opened_by_library(what),
                                "fd %d opened by the demo is left open:\n%s" % (fd, what))
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    if shutil.which("valgrind") is None:
        print("SKIP: valgrind is not installed (tools/setup.sh installs it)")
        sys.exit(77)
    explicit_sync_probe.skip_unless_offered(PROTOCOL)
    unittest.main()
