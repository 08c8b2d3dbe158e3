"""README command 1, tools/demo.sh, end to end (on this build, without its
setup/compile step): it exits 0, prints every demo's summary with all
frames accounted for and no errors, and leaves the PNG screenshot where its
last lines say.  Run headless, and nested: inside a "desktop" (a second
fenceway standing in for the user's compositor) the script's fenceway opens
one window there, and every demo connects to the nested fenceway, never to
the desktop.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

import demo_summary
from fenceway import Compositor

ROOT = os.environ["FW_SOURCE_ROOT"]
BUILD = os.environ["FW_BUILD_ROOT"]
FRAMES = 30


class DemoScript(unittest.TestCase):
    def test_headless(self):
        env = dict(os.environ)
        for k in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"):
            env.pop(k, None)
        env["FENCEWAY_DEMO_HEADLESS"] = "1"
        text = self.run_demo_sh(env)
        self.assertIn("starting fenceway (headless)", text)

    def test_nested(self):
        with Compositor() as desktop:
            env = desktop.client_env()
            text = self.run_demo_sh(env)
            self.assertIn("starting fenceway (nested)", text)
            # The desktop saw one client window: the nested fenceway's.
            # No demo mapped a window there.
            wins = desktop.toplevels()
            self.assertEqual(len(wins), 1, "%r\n%s" % (wins, text))
            self.assertNotIn("fenceway-demo", wins[0]["app_id"], text)
            desktop.assert_clean_exit(desktop.stop())

    def run_demo_sh(self, env):
        with tempfile.TemporaryDirectory(prefix="fenceway-demo-out-") as out:
            env = dict(env)
            env.update(BUILD=BUILD, OUT=out, FRAMES=str(FRAMES),
                       FENCEWAY_DEMO_NO_BUILD="1")
            res = subprocess.run(["bash", os.path.join(ROOT, "tools", "demo.sh")],
                                 env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=240)
            text = res.stdout + res.stderr
            self.assertEqual(res.returncode, 0, text)

            # One "== NAME (exit status 0)" block per demo, each a summary.
            blocks = re.split(r"^== ", res.stdout, flags=re.M)[1:]
            self.assertGreaterEqual(len(blocks), 2, text)
            protocols = set()
            for block in blocks:
                self.assertIn("(exit status 0)", block.splitlines()[0], block)
                s = demo_summary.parse(block)
                demo_summary.check_accounting(self, s, FRAMES, block)
                protocols.add(re.search(r"protocol=(\S+)", block).group(1))
            # Different protocols side by side -- unless this build has
            # no explicit sync, which the script must then say.
            if "offers no explicit sync" in res.stdout:
                self.assertEqual(protocols, {"none"}, text)
            else:
                self.assertGreaterEqual(len(protocols), 3, text)

            m = re.search(r"^  screenshot: (\S+)$", res.stdout, re.M)
            self.assertIsNotNone(m, text)
            self.assertEqual(os.path.dirname(m.group(1)), out)
            with open(m.group(1), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            return text


if __name__ == "__main__":
    # argv[1]: headless or nested (two meson tests, so a skip shows).
    mode = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "headless"
    suite = unittest.TestSuite([DemoScript("test_" + mode)])
    sys.exit(0 if unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful() else 1)
