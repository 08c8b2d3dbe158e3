"""New toplevels cascade from the top-left corner, each offset from the
last, and the log says where each went."""
import unittest

from fenceway import Compositor, skip_unless_programs


class Cascade(unittest.TestCase):
    def test_two_toplevels_cascade(self):
        with Compositor() as fw:
            fw.spawn_client(["weston-simple-shm"])
            fw.wait_for_toplevels(1)
            fw.spawn_client(["weston-simple-shm"])
            first, second = fw.wait_for_toplevels(2)[:2]
            self.assertNotEqual((first["x"], first["y"]),
                                (second["x"], second["y"]))
            # From the top-left: the first one near the corner, the second
            # further down and right.
            self.assertLess(first["x"], 100)
            self.assertLess(first["y"], 100)
            self.assertGreater(second["x"], first["x"])
            self.assertGreater(second["y"], first["y"])
            # Both really are there: the second (on top) shows its white
            # border at its own corner, the first at a corner the second
            # does not cover.
            img = fw.capture()
            self.assertEqual(img.pixel(second["x"] + 2, second["y"] + 2),
                             (255, 255, 255))
            self.assertEqual(img.pixel(first["x"] + 2, first["y"] + 2),
                             (255, 255, 255))
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm", "grim")
    unittest.main()
