"""examples/ as a client developer uses them: this build is installed into
a staging tree (meson install --destdir), the examples are built from a
copy of examples/ with their own Makefile against that tree through
pkg-config (PKG_CONFIG_PATH + PKG_CONFIG_SYSROOT_DIR: the tree is a
sysroot; the system's wayland-protocols XML is linked into it, as a real
sysroot has it), and each one runs against the headless compositor with
the installed library (LD_LIBRARY_PATH), presenting its frames with their
fences (registered only in builds with explicit sync).  Also: the installed fenceway-sync.pc requires no other package
(no public header needs libdrm) and names its protocol XML directory.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from fenceway import Compositor

ROOT = os.environ["FW_SOURCE_ROOT"]
BUILD = os.environ["FW_BUILD_ROOT"]
FRAMES = 30
RESULT = re.compile(r"^frames: (\d+) presented: (\d+) discarded: (\d+)$", re.M)


class Examples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fenceway-examples-")
        cls.sysroot = os.path.join(cls.tmp.name, "root")
        subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet",
                        "--destdir", cls.sysroot], check=True, capture_output=True)
        pcs = glob.glob(os.path.join(cls.sysroot, "**", "pkgconfig", "fenceway-sync.pc"),
                        recursive=True)
        assert len(pcs) == 1, pcs
        cls.pc = pcs[0]
        cls.libdir = os.path.dirname(os.path.dirname(cls.pc))
        wp = subprocess.run(["pkg-config", "--variable=pkgdatadir", "wayland-protocols"],
                            capture_output=True, text=True, check=True).stdout.strip()
        os.makedirs(os.path.dirname(cls.sysroot + wp), exist_ok=True)
        os.symlink(wp, cls.sysroot + wp)
        cls.env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(cls.pc),
                       PKG_CONFIG_SYSROOT_DIR=cls.sysroot)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def pkg_config(self, *args):
        return subprocess.run(["pkg-config", *args, "fenceway-sync"], env=self.env,
                              capture_output=True, text=True, check=True).stdout.strip()

    def test_pc_file(self):
        self.assertEqual(self.pkg_config("--print-requires"), "")
        self.assertEqual(self.pkg_config("--print-requires-private"), "")
        protocoldir = self.pkg_config("--variable=protocoldir")
        self.assertTrue(protocoldir.startswith(self.sysroot), protocoldir)
        self.assertTrue(os.path.isfile(os.path.join(protocoldir, "linux-drm-syncobj-v1.xml")),
                        protocoldir)

    def build(self):
        src = os.path.join(self.tmp.name, "examples")
        if not os.path.isdir(src):
            shutil.copytree(os.path.join(ROOT, "examples"), src)
            cflags = "-O1 -g -Wall -Wextra -Werror -Wno-unused-parameter"
            if os.environ.get("FENCEWAY_SANITIZED"):
                # The installed library is instrumented: so must its user be.
                cflags += " -fsanitize=address,undefined"
            res = subprocess.run(["make", "-C", src, "CFLAGS=" + cflags], env=self.env,
                                 capture_output=True, text=True)
            self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
            # Built from the staging tree: its headers, its library, its
            # protocol XML.
            self.assertIn("-I" + self.sysroot, res.stdout)
            self.assertIn("-L" + self.libdir, res.stdout)
            self.assertIn(self.pkg_config("--variable=protocoldir") +
                          "/linux-drm-syncobj-v1.xml", res.stdout)
        return src

    def run_example(self, name):
        prog = os.path.join(self.build(), name)
        with Compositor() as fw:
            res = fw.run_client([prog, str(FRAMES)], env={"LD_LIBRARY_PATH": self.libdir},
                                check=False, timeout=120)
            out = res.stdout + res.stderr
            self.assertEqual(res.returncode, 0, out)
            m = RESULT.search(res.stdout)
            self.assertIsNotNone(m, out)
            frames, presented, discarded = (int(v) for v in m.groups())
            self.assertEqual(frames, FRAMES, out)
            self.assertEqual(presented + discarded, FRAMES, out)
            self.assertGreaterEqual(presented * 10, FRAMES * 9, out)
            fw.assert_clean_exit(fw.stop())

    def test_timeline(self):
        self.run_example("timeline")

    def test_syncfile(self):
        self.run_example("syncfile")


if __name__ == "__main__":
    unittest.main(verbosity=2)
