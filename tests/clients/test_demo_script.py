"""README command 1, tools/demo.sh, end to end (on this build, without its
setup/compile step): it exits 0, prints every demo's summary with all
frames accounted for and no errors (and no "interrupted": the script's
SIGTERM is how a lingering demo ends), a headline with both counts -- no
fenced frame shown before its fence, some of the unfenced twin's were --
and leaves the PNG screenshot and the trace (JSON and picture) where its
last lines say: every shm demo's window labelled, the poison colour nowhere
but in the unfenced twin.  Run headless, and nested: inside a "desktop" (a second
fenceway standing in for the user's compositor) the script's fenceway opens
one window there, and every demo connects to the nested fenceway, never to
the desktop.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import demo_summary
import png
import screenshot
from fenceway import Compositor

ROOT = os.environ["FW_SOURCE_ROOT"]
BUILD = os.environ["FW_BUILD_ROOT"]
FRAMES = 30
HEADLINE = re.compile(r"^headline: (\S+) of (\S+) frames shown before their fence; "
                      r"without explicit sync (\S+) of (\S+) were$", re.M)
WINDOW = re.compile(r"^  toplevel \d+ mapped at (-?\d+),(-?\d+) size (\d+)x(\d+) "
                    r'app_id="(fenceway-demo(?:-egl)?)\.([^"]+)"$', re.M)


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
            colors = {}
            for block in blocks:
                self.assertIn("(exit status 0)", block.splitlines()[0], block)
                self.assertNotIn("interrupted", block)
                s = demo_summary.parse(block)
                demo_summary.check_accounting(self, s, FRAMES, block)
                protocols.add(s["demo"]["protocol"])
                m = re.search(r"^demo: name=(\S+) .*color=([0-9a-f]{6})", block, re.M)
                colors[m.group(1)] = int(m.group(2), 16)
            # Different protocols side by side -- unless this build has
            # no explicit sync, which the script must then say.
            explicit = "offers no explicit sync" not in res.stdout
            if explicit:
                self.assertGreaterEqual(len(protocols), 3, text)
                self.check_headline(res.stdout)
            else:
                self.assertEqual(protocols, {"none"}, text)

            m = re.search(r"^  screenshot: (\S+)$", res.stdout, re.M)
            self.assertIsNotNone(m, text)
            self.assertEqual(os.path.dirname(m.group(1)), out)
            self.check_picture(png.read_png(m.group(1)), res.stdout, colors,
                               6 if explicit else 3 + (len(blocks) > 3))
            # The trace (strict JSON: fenceway closed it) names every
            # demo's process, and its picture is where the script says.
            with open(os.path.join(out, "trace.json")) as f:
                events = json.load(f)
            procs = [e for e in events if e.get("name") == "process_name"
                     and e["args"]["name"].startswith("fenceway-demo")]
            self.assertEqual(len(procs), len(blocks), text)
            m = re.search(r"^  trace: (\S+), (\S+)$", res.stdout, re.M)
            self.assertIsNotNone(m, text)
            self.assertGreater(os.path.getsize(m.group(2)), 0)
            return text

    def check_headline(self, stdout):
        m = HEADLINE.search(stdout)
        self.assertIsNotNone(m, stdout)
        fenced_early, fenced, unfenced_early, unfenced = (
            int(v.replace(",", "")) for v in m.groups())
        self.assertEqual(fenced_early, 0, stdout)
        # Every frame of the four demos with a fence is in the count
        # (presented ones: at least 90 % each).
        self.assertGreaterEqual(fenced * 10, 4 * FRAMES * 9, stdout)
        self.assertGreaterEqual(unfenced * 10, FRAMES * 9, stdout)
        self.assertGreater(unfenced_early, 0, stdout)

    def check_picture(self, img, stdout, colors, count):
        wins = [{"x": int(m.group(1)), "y": int(m.group(2)), "width": int(m.group(3)),
                 "height": int(m.group(4)), "program": m.group(5), "name": m.group(6)}
                for m in WINDOW.finditer(stdout)]
        self.assertEqual(len(wins), count, stdout)
        for i, win in enumerate(wins):
            # Six fit side by side on a 1280x720 output, none on another
            # and none past the output's edge.
            self.assertLessEqual((win["width"], win["height"]), (400, 330))
            self.assertLessEqual(win["x"] + win["width"], img.width, win)
            self.assertLessEqual(win["y"] + win["height"], img.height, win)
            for other in wins[i + 1:]:
                apart = (win["x"] + win["width"] <= other["x"] or
                         other["x"] + other["width"] <= win["x"] or
                         win["y"] + win["height"] <= other["y"] or
                         other["y"] + other["height"] <= win["y"])
                self.assertTrue(apart, "%r overlaps %r" % (win, other))
            # With nothing on top, every label is whole.
            screenshot.check_label(self, img, win, colors[win["name"]], [])
        # Poison nowhere but in the window without a fence.
        unfenced = [w for w in wins if w["name"] == "unfenced"]
        i = img.data.find(b"\xff\x00\xff")
        while i >= 0:
            if i % 3 == 0:
                x, y = (i // 3) % img.width, (i // 3) // img.width
                self.assertTrue(screenshot.covered(x, y, unfenced),
                                "poison at %d,%d outside %r" % (x, y, unfenced))
            i = img.data.find(b"\xff\x00\xff", i + 1)


if __name__ == "__main__":
    # argv[1]: headless or nested (two meson tests, so a skip shows).
    mode = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "headless"
    suite = unittest.TestSuite([DemoScript("test_" + mode)])
    sys.exit(0 if unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful() else 1)
