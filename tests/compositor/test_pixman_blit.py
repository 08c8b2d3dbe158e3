"""Windows drawn by fenceway's pixman copy path (compositor/pixman_blit.c)
keep their exact pixels, and what they stop covering is cleared.

A black filler window takes the output's corner, so that two opaque
toplevels find no free spot and go to their cascade slots (neither at 0,0,
so both take the copy path and hold back the clear under them); the top
one overlaps the bottom one.  When the top one goes, the part of its area that the
bottom one does not cover must turn back to the black background, and the
part it uncovers must show the bottom window again.
"""
import os
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", ""),
                      "fw-test-toplevel-client")
RED, GREEN, BLACK = (0xcc, 0x33, 0x33), (0x33, 0xcc, 0x33), (0, 0, 0)


class PixmanBlit(unittest.TestCase):
    def wait_pixels(self, fw, expected):
        """Capture until every (x, y) shows its colour; a bound on
        frames, not a time.  Returns the last differences."""
        wrong = None
        for _ in range(100):
            img = fw.capture()
            wrong = {xy: img.pixel(*xy) for xy, rgb in expected.items()
                     if img.pixel(*xy) != rgb}
            if not wrong:
                return {}
        return wrong

    def test_copies_and_clears(self):
        # 180x180: after a 100x100 filler at the corner no 100x100 window
        # fits beside it, so the next two cascade to (32,32) and (64,64).
        with Compositor(args=["--output", "180x180"]) as fw:
            fw.spawn_client([CLIENT, "0x000000", "100x100"])
            fw.wait_for_toplevels(1)
            fw.spawn_client([CLIENT, "0xcc3333", "100x100"])
            fw.wait_for_toplevels(2)
            top_proc = fw.spawn_client([CLIENT, "0x33cc33", "100x100"])
            bottom, top = fw.wait_for_toplevels(3)[1:3]
            bx, by, bw, bh = (bottom[k] for k in ("x", "y", "width", "height"))
            tx, ty, tw, th = (top[k] for k in ("x", "y", "width", "height"))
            self.assertNotEqual((bx, by), (0, 0))
            # The top window overlaps the bottom one, and reaches past it.
            self.assertTrue(bx < tx < bx + bw and by < ty < by + bh)
            self.assertTrue(tx + tw > bx + bw and ty + th > by + bh)

            shared = (tx + 1, ty + 1)                 # inside both
            top_only = (tx + tw - 2, ty + th - 2)     # inside the top one
            self.assertEqual(self.wait_pixels(fw, {
                (bx, by): RED, (bx + 1, ty - 1): RED,
                (bx + bw - 1, ty - 1): RED,
                shared: GREEN, top_only: GREEN,
                (tx + tw - 1, ty + th - 1): GREEN,
                (bx - 1, by): BLACK, (tx + tw, ty + th - 1): BLACK,
                (tx + tw - 1, ty + th): BLACK,
            }), {})

            top_proc.terminate()
            top_proc.wait()
            self.assertEqual(self.wait_pixels(fw, {
                shared: RED, (bx + bw - 1, by + bh - 1): RED,
                top_only: BLACK, (bx + bw, by + bh): BLACK,
                (tx + tw - 1, ty + th - 1): BLACK,
            }), {})
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim")
    unittest.main()
