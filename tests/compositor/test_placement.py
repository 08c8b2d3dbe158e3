"""Placement: a new toplevel goes to the first spot of the output where it
overlaps no mapped window (rows top to bottom, left to right in a row),
and cascades only when there is none; a closed window's spot and cascade
slot are free again.  The log says the top-left of each window's
geometry, and the pixels agree."""
import os
import signal
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-toplevel-client")
COLOURS = [0xff0000, 0x00ff00, 0x0000ff, 0xffff00]


class Placement(unittest.TestCase):
    def spawn(self, fw, colour, count):
        proc = fw.spawn_client([CLIENT, "0x%06x" % colour])
        return proc, fw.wait_for_toplevels(count)[count - 1]

    def assert_drawn(self, fw, window, colour):
        fw.wait_for(lambda: all(
            fw.capture().pixel_u32(window["x"] + dx, window["y"] + dy)
            == colour for dx, dy in [(0, 0), (63, 0), (0, 63), (63, 63)]),
            "colour %06x at %d,%d" % (colour, window["x"], window["y"]))

    def test_side_by_side_then_reuse(self):
        with Compositor() as fw:
            procs, windows = [], []
            for n, colour in enumerate(COLOURS[:3], 1):
                proc, window = self.spawn(fw, colour, n)
                procs.append(proc)
                windows.append(window)
            self.assertEqual([(w["x"], w["y"], w["width"], w["height"])
                              for w in windows],
                             [(0, 0, 64, 64), (64, 0, 64, 64),
                              (128, 0, 64, 64)])
            for window, colour in zip(windows, COLOURS):
                self.assert_drawn(fw, window, colour)
            # The middle one goes; the next window takes its spot.
            procs[1].send_signal(signal.SIGKILL)
            procs[1].wait(fw.timeout)
            _, fourth = self.spawn(fw, COLOURS[3], 4)
            self.assertEqual((fourth["x"], fourth["y"]), (64, 0))
            self.assert_drawn(fw, fourth, COLOURS[3])
            fw.assert_clean_exit(fw.stop())

    def test_cascade_only_without_room(self):
        # Two 64x64 windows cannot sit side by side on 120x120.
        with Compositor(args=["--output", "120x120"]) as fw:
            _, first = self.spawn(fw, COLOURS[0], 1)
            second_proc, second = self.spawn(fw, COLOURS[1], 2)
            self.assertEqual((first["x"], first["y"]), (0, 0))
            self.assertEqual((second["x"], second["y"]), (32, 32))
            self.assert_drawn(fw, second, COLOURS[1])
            # Closing it frees its slot: the cascade does not advance.
            second_proc.send_signal(signal.SIGKILL)
            second_proc.wait(fw.timeout)
            _, third = self.spawn(fw, COLOURS[2], 3)
            self.assertEqual((third["x"], third["y"]), (32, 32))
            self.assert_drawn(fw, third, COLOURS[2])
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim")
    unittest.main()
