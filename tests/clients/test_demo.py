"""fenceway-demo against the headless compositor, one protocol per run
(argv[1]: syncobj, syncfile or none): N frames, exit 0, every frame
presented or discarded (>= 90% presented), no errors -- which includes no
frame presented before its acquire point signalled -- and the releases
came back the way the protocol says.  With --protocol none, also the
client that commits before its GPU is done (--commit-early) without a
fence: the compositor shows unfinished frames, which the demo counts as
early presents (what that client shows, so not errors).
"""
import os
import sys
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

# The protocol comes first on the command line (meson passes it), before
# unittest's own options.
PROTOCOL = "syncobj"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    PROTOCOL = sys.argv.pop(1)
FRAMES = 60
DEMO = os.environ["FW_DEMO"]


class Demo(unittest.TestCase):
    def run_demo(self, fw, *extra):
        return demo_summary.run_accounted(
            self, fw, [DEMO, "--protocol", PROTOCOL] + list(extra), FRAMES)

    def check_releases(self, s, out):
        rel = s["releases"]
        # The last frame is still on screen: at least FRAMES - 1 releases
        # (more only if the compositor let go of the last one too).
        if PROTOCOL == "syncobj":
            self.assertGreaterEqual(rel["timeline"], FRAMES - 1 - 3, out)
            self.assertEqual(rel["wl_buffer"], 0, out)
        elif PROTOCOL == "syncfile":
            self.assertGreaterEqual(rel["fenced"] + rel["immediate"], FRAMES - 1, out)
        else:
            self.assertGreaterEqual(rel["wl_buffer"], FRAMES - 1, out)

    def test_throttled(self):
        with Compositor() as fw:
            s, out = self.run_demo(fw, "--latency", "5")
            self.check_releases(s, out)
            if PROTOCOL != "none":
                # Every presented frame's acquire had signalled first.
                self.assertEqual(s["errors"]["early-presents"], 0, out)
                self.assertEqual(s["acquire-to-present-ms"]["samples"],
                                 s["frames"]["presented"], out)
            fw.assert_clean_exit(fw.stop())

    @unittest.skipUnless(PROTOCOL == "none", "--commit-early is for --protocol none")
    def test_commit_early_without_fence(self):
        # A GPU far slower than the refresh: nothing tells the compositor
        # to wait, so it presents frames the GPU has not finished.
        with Compositor() as fw:
            s, out = self.run_demo(fw, "--commit-early", "--latency", "40", "--buffers", "4")
            self.assertIn("commit-early=1", out)
            self.assertGreater(s["errors"]["early-presents"], 0, out)
            self.assertLessEqual(s["errors"]["early-presents"], s["frames"]["presented"], out)
            fw.assert_clean_exit(fw.stop())

    def test_two_buffers_slow_gpu(self):
        # Two buffers and a GPU slower than the refresh: the pool is
        # exhausted often, so buffer reuse depends on releases only.
        with Compositor() as fw:
            self.run_demo(fw, "--buffers", "2", "--latency", "20")
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered(PROTOCOL)
    unittest.main()
