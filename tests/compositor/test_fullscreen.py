"""A fullscreen request is honoured: the window covers the output, its
pixels are what the client drew, and every frame's feedback is answered.

Also pins down the scan-out question of docs/platform.md §4 for the headless backend with
pixman on wlroots 0.15: a wl_shm buffer exactly covering the output passes
wlr_output_test and is committed to the output directly (the log says
"direct scan-out"); grim still reads the right pixels.  If a later wlroots
changes that, this test says so (docs/compositor.md depends on it).
"""
import os
import re
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-presentation-client")
LAST_COLOUR = 0x3366cc   # the client's last frame


class Fullscreen(unittest.TestCase):
    def test_fullscreen_shm_client(self):
        with Compositor() as fw:
            app = fw.spawn_client([CLIENT, "fullscreen", "20", "hold"])
            fw.wait_for(lambda: "holding" in fw.client_output(app),
                        "the client's 20 fullscreen frames")
            out = fw.client_output(app)
            self.assertIn("fullscreen 1280x720 frames=20", out)
            self.assertRegex(fw.log(), r"toplevel 1 fullscreen on")
            s = re.search(r"feedback \d+: (none|multiple)", out)
            self.assertIsNone(s, out)
            self.assertEqual(len(re.findall(r"feedback \d+: presented", out)),
                             20, out)

            img = fw.capture()
            for (x, y) in [(0, 0), (640, 360), (1279, 0), (0, 719),
                           (1279, 719), (31, 31)]:
                self.assertEqual(img.pixel_u32(x, y), LAST_COLOUR,
                                 "pixel %d,%d" % (x, y))
            self.assertRegex(fw.log(), r"output HEADLESS-1: direct scan-out "
                             r"of a client buffer")
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim")
    unittest.main()
