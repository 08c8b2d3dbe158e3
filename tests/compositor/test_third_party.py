"""Clients people use, unmodified, against fenceway headless on a
1920x1080 output (room for GTK's default size):

- foot and gtk3-widget-factory draw their own title bars (and GTK its
  shadows outside the window geometry): the top-left of their window
  geometry is where the log says, to the pixel.  Two windows of our own
  border the spot on the left and on top, so a shift either way shows.
- weston-presentation-shm gets presentation feedback for its frames,
  weston-simple-egl (software GL) and weston-simple-damage draw, and
  windows never overlap while the output has room for them.
"""
import os
import re
import signal
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-toplevel-client")
OUTPUT = ["--output", "1920x1080"]
RED, GREEN = 0xff0000, 0x00ff00
GTK_ENV = {"NO_AT_BRIDGE": "1", "GDK_BACKEND": "wayland"}
# weston-presentation-shm -f: one line per presented frame.
FEEDBACK = re.compile(r"^\s*\d+: f2c .* seq (\d+)$", re.M)


def hue_only(pixel, channel):
    """Our window's colour, possibly darkened by a shadow drawn over it."""
    return pixel[channel] > 0 and all(v == 0 for i, v in enumerate(pixel)
                                      if i != channel)


def overlap(a, b):
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and
            b["y"] < a["y"] + a["height"])


class ThirdParty(unittest.TestCase):
    def assert_geometry_at_logged_corner(self, argv, env=None):
        with Compositor(args=OUTPUT) as fw:
            # A 100-wide column on the left and a 100-high row on top: the
            # first spot left for the client is (100,100).
            fw.spawn_client([CLIENT, "0x%06x" % RED, "100x1080"])
            fw.wait_for_toplevels(1)
            fw.spawn_client([CLIENT, "0x%06x" % GREEN, "1820x100"])
            fw.wait_for_toplevels(2)
            app = fw.spawn_client(argv, env=env)
            win = fw.wait_for_toplevels(3)[2]
            self.assertEqual((win["x"], win["y"]), (100, 100),
                             fw.client_output(app))
            x, y = win["x"], win["y"]

            def corner_right():
                img = fw.capture()
                for k in (10, 20, 40):
                    # Just outside: the neighbours (shadows may darken
                    # them); just inside: the client's own pixels.
                    if not (hue_only(img.pixel(x - 1, y + k), 0) and
                            hue_only(img.pixel(x + k, y - 1), 1)):
                        return False
                    for px in (img.pixel(x, y + k), img.pixel(x + k, y)):
                        if (px == (0, 0, 0) or hue_only(px, 0) or
                                hue_only(px, 1)):
                            return False
                return True
            fw.wait_for(corner_right, "the window's top-left at %d,%d"
                        % (x, y))
            fw.assert_clean_exit(fw.stop())

    def test_foot_window_geometry(self):
        self.assert_geometry_at_logged_corner(["foot"])

    def test_gtk_window_geometry(self):
        self.assert_geometry_at_logged_corner(["gtk3-widget-factory"],
                                              GTK_ENV)

    def test_weston_clients_side_by_side(self):
        with Compositor(args=OUTPUT) as fw:
            pres = fw.spawn_client(["weston-presentation-shm", "-f"])
            fw.wait_for_toplevels(1)
            fw.spawn_client(["weston-simple-egl"],
                            env={"LIBGL_ALWAYS_SOFTWARE": "1"})
            fw.wait_for_toplevels(2)
            fw.spawn_client(["weston-simple-damage"])
            fw.wait_for_toplevels(3)
            fw.spawn_client(["foot"])
            wins = fw.wait_for_toplevels(4)
            # 250 + 250 + 300 + 700 wide: room for all in one row.
            for i, a in enumerate(wins):
                for b in wins[:i]:
                    self.assertFalse(overlap(a, b), (a, b))

            def drawn(win):
                img = fw.capture()
                return any(img.pixel(win["x"] + dx, win["y"] + dy)
                           != (0, 0, 0) for dx in range(10, win["width"], 20)
                           for dy in range(10, win["height"], 20))
            for win in wins:
                fw.wait_for(lambda win=win: drawn(win),
                            "%s's pixels" % win["title"])

            # Feedback for frame after frame: wait for 30 presented ones,
            # then the sequence numbers only go up.
            fw.wait_for(lambda: len(FEEDBACK.findall(
                fw.client_output(pres))) >= 30, "30 presented frames")
            pres.send_signal(signal.SIGINT)
            pres.wait(fw.timeout)
            seqs = [int(s) for s in FEEDBACK.findall(fw.client_output(pres))]
            self.assertEqual(seqs, sorted(set(seqs)))
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim", "foot", "gtk3-widget-factory",
                         "weston-presentation-shm", "weston-simple-egl",
                         "weston-simple-damage")
    unittest.main()
