"""tools/setup.sh's two package lists: README command 1 (--demo) installs
what the demo builds, runs and draws with, and nothing of the test lanes
(no qemu, no valgrind, no guest kernel); command 2 (--test) installs all of
it.  "What the demo needs" is checked against this machine: the Debian
package that owns each pkg-config file the build uses, each third-party
program tools/demo.sh runs and the font the labels are drawn in must be on
the demo list.
"""
import os
import shutil
import subprocess
import unittest

ROOT = os.environ["FW_SOURCE_ROOT"]
SETUP = os.path.join(ROOT, "tools", "setup.sh")

# pkg-config modules the compositor, the library and the demos build with.
DEMO_MODULES = ["wlroots", "wayland-server", "wayland-client", "wayland-protocols",
                "xkbcommon", "pixman-1", "libdrm", "egl", "glesv2", "wayland-egl",
                "cairo", "pangocairo"]
# Third-party programs tools/demo.sh runs.
DEMO_PROGRAMS = ["wayland-info", "grim"]
TEST_ONLY = ["qemu-system-x86", "valgrind", "weston"]


def listing(*args):
    out = subprocess.run(["bash", SETUP, *args, "--list"], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    lines = [l for l in out if l]
    kernel = lines.pop()
    return lines, kernel


def owners(paths):
    """{path: the Debian package that installed it (dpkg -S, one call),
    without :arch}.  Each path is asked as given and resolved (a path
    through a symlinked directory, /lib -> /usr/lib, is known by one)."""
    asked = {}
    for p in paths:
        asked[p] = p
        asked[os.path.realpath(p)] = p
    out = subprocess.run(["dpkg", "-S", *asked], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        pkg, _, path = line.partition(": ")
        if path in asked:
            found[asked[path]] = pkg.split(":")[0].split(",")[0].strip()
    return found


class SetupLists(unittest.TestCase):
    def setUp(self):
        self.demo, self.demo_kernel = listing("--demo")
        self.test, self.test_kernel = listing("--test")

    def test_demo_installs_nothing_of_the_test_lanes(self):
        for p in TEST_ONLY:
            self.assertNotIn(p, self.demo)
        self.assertEqual(self.demo_kernel, "guest-kernel: no")

    def test_test_installs_everything(self):
        for p in self.demo + TEST_ONLY:
            self.assertIn(p, self.test)
        self.assertEqual(self.test_kernel, "guest-kernel: yes")
        self.assertEqual(listing()[0], self.test, "no argument means --test")

    def test_one_package_once(self):
        self.assertEqual(len(self.test), len(set(self.test)), self.test)

    def test_demo_list_covers_the_demo(self):
        paths = []
        for mod in DEMO_MODULES:
            pcdir = subprocess.run(["pkg-config", "--variable=pcfiledir", mod],
                                   capture_output=True, text=True, check=True).stdout.strip()
            paths.append(os.path.join(pcdir, mod + ".pc"))
        for prog in DEMO_PROGRAMS:
            path = shutil.which(prog)
            self.assertIsNotNone(path, prog)
            paths.append(path)
        paths.append(subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"],
                                    capture_output=True, text=True, check=True).stdout)
        found = owners(paths)
        for path in paths:
            self.assertIn(found.get(path), self.demo, path)

    def test_unknown_argument_refused(self):
        res = subprocess.run(["bash", SETUP, "--bogus"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("usage:", res.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
