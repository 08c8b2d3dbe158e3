"""weston-simple-shm's pixels reach the screen where the log says the
window is, and nowhere else.

What weston-simple-shm (weston 10) draws into its 250x250 XRGB8888 buffer:
a 20-pixel white border (the buffer is filled with 0xff first, the pattern
is painted inside a padding of 20), and inside it a pattern whose outer
part -- outside the circle of radius 117 around the centre -- is
    v(x, y) = (x + time/16) * 0x080401   (mod 2^24)
so along a row, each pixel is the previous plus 0x080401 (mod 2^24)
whatever the time.  The background of an empty fenceway scene is black.
"""
import unittest

from fenceway import Compositor, skip_unless_programs

STEP = 0x080401


class SimpleShm(unittest.TestCase):
    def test_window_pixels(self):
        with Compositor() as fw:
            fw.spawn_client(["weston-simple-shm"])
            (win,) = fw.wait_for_toplevels(1)
            self.assertEqual((win["width"], win["height"]), (250, 250))
            # The first frames may still be white; wait for the pattern
            # (a frame count bound, not a time).
            for _ in range(100):
                img = fw.capture()
                x0, y0 = win["x"], win["y"]
                if img.pixel_u32(x0 + 30, y0 + 40) != 0xffffff:
                    break
            self.assertEqual((img.width, img.height), (1280, 720))
            x0, y0 = win["x"], win["y"]

            # Border: white, all four sides.
            for (dx, dy) in [(5, 5), (125, 3), (244, 125), (125, 246),
                             (2, 200)]:
                self.assertEqual(img.pixel(x0 + dx, y0 + dy),
                                 (255, 255, 255), "border at +%d,+%d"
                                 % (dx, dy))

            # Outer pattern: consecutive pixels along a row differ by
            # exactly 0x080401 (checks values, not just "not background").
            for dy in (30, 40, 210):
                row = [img.pixel_u32(x0 + dx, y0 + dy)
                       for dx in range(24, 40)]
                diffs = {(b - a) & 0xffffff for a, b in zip(row, row[1:])}
                self.assertEqual(diffs, {STEP},
                                 "row +%d: %s" % (dy, [hex(v) for v in row]))

            # The first window goes to the output's corner.
            self.assertEqual((x0, y0), (0, 0))
            # Outside the window: the black background, right next to it
            # and far away.
            for (x, y) in [(x0 + 250, y0 + 100),
                           (x0 + 100, y0 + 250), (1000, 600), (1279, 719)]:
                self.assertEqual(img.pixel(x, y), (0, 0, 0),
                                 "background at %d,%d" % (x, y))
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm", "grim")
    unittest.main()
