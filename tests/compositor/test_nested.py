"""The autocreate path (no --headless): fenceway nested inside another
fenceway, through wlroots' Wayland backend.  The inner output is a window
on the outer one; a client of the inner compositor shows up in frames of
the outer one at the sum of both cascade positions, and presentation
feedback flows through the backend's own present events (no manual
present on a non-headless output)."""
import os
import re
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-presentation-client")
STEP = 0x080401   # weston-simple-shm's pattern, see test_simple_shm.py


class Nested(unittest.TestCase):
    def test_nested_in_fenceway(self):
        with Compositor() as outer:
            # WAYLAND_DISPLAY may be an absolute path: the inner compositor
            # keeps its own private runtime dir.
            # Leak-checked too: fenceway's teardown (fw_output_finish) gets
            # the buffers the outer compositor still held back before the
            # inner one's Wayland backend goes.
            with Compositor(headless=False, env={
                    "WAYLAND_DISPLAY": outer.socket_path}) as inner:
                self.assertRegex(inner.log(), r"Creating wayland backend")
                self.assertRegex(inner.log(), r"output WL-1 mode \d+x\d+")
                self.assertNotRegex(inner.log(), r"\(headless\)")
                (window,) = outer.wait_for_toplevels(1)
                self.assertEqual(window["app_id"], "wlroots")

                inner.spawn_client(["weston-simple-shm"])
                (app,) = inner.wait_for_toplevels(1)
                res = inner.run_client([CLIENT, "burst", "40"])
                self.assertRegex(res.stdout, r"missing=0")
                self.assertRegex(res.stdout, r"multiple=0")
                self.assertIn("feedback 39: presented", res.stdout)

                x0 = window["x"] + app["x"]
                y0 = window["y"] + app["y"]
                for _ in range(100):
                    img = outer.capture()
                    if img.pixel_u32(x0 + 30, y0 + 40) != 0xffffff:
                        break
                # The left border, below the corner where the pointer (at
                # 0,0, over the inner window) shows the cursor it chose.
                self.assertEqual(img.pixel(x0 + 3, y0 + 125),
                                 (255, 255, 255))
                # Left of where the burst client's window was (inner 64,64).
                row = [img.pixel_u32(x0 + dx, y0 + 40) for dx in range(21, 31)]
                self.assertEqual({(b - a) & 0xffffff
                                  for a, b in zip(row, row[1:])}, {STEP})

                inner.assert_clean_exit(inner.stop())
                m = re.search(r"stats: output_commits=(\d+) presented=(\d+)",
                              inner.log())
                self.assertGreater(int(m.group(2)), 0)
            # The inner compositor's window is gone from the outer one and
            # the outer one is unharmed.
            self.assertTrue(outer.alive())
            outer.assert_clean_exit(outer.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm", "grim")
    unittest.main()
