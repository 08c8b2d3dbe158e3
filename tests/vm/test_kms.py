"""fenceway on real KMS, run inside the qemu guest.

fenceway starts on wlroots' DRM backend on the virtio-gpu card, in a seatd
session (LIBSEAT_BACKEND=noop times out waiting for the session, VM-LANE.md),
with the pixman renderer.  Checks:
  * it modesets the virtio-gpu connector (log: output Virtual-1, 1280x800)
    and the kernel agrees: the CRTC is active and a plane scans out a
    framebuffer (debugfs dri/N/state, the kernel's own view of KMS);
  * weston-simple-shm's frames reach the screen where the log says the
    window is, and nowhere else (grim capture: white border, the pattern's
    exact row step, black background);
  * frames keep being committed to KMS (the output commit count grows), and
    fenceway exits cleanly on SIGTERM.
Exits 77 outside a guest with a virtio-gpu card.
"""
import re
import shutil
import sys
import unittest

from fenceway import Compositor
from kms_session import Seatd, drm_card, fenceway_env, kms_state

STEP = 0x080401   # weston-simple-shm's outer pattern, see test_simple_shm.py


class Kms(unittest.TestCase):
    card = None

    def test_kms_scanout_and_capture(self):
        with Seatd(), Compositor(headless=False, env=fenceway_env(self.card),
                                 timeout=60) as fw:
            fw.wait_for_log(r"output (\S+) mode (\d+)x(\d+)@")
            log = fw.log()
            out = re.search(r"output (\S+) mode (\d+)x(\d+)@", log)
            self.assertEqual(out.group(1), "Virtual-1", log)
            width, height = int(out.group(2)), int(out.group(3))
            self.assertEqual((width, height), (1280, 800))

            fw.spawn_client(["weston-simple-shm"])
            (win,) = fw.wait_for_toplevels(1)
            x0, y0 = win["x"], win["y"]
            self.assertEqual((win["width"], win["height"]), (250, 250))
            for _ in range(100):   # a frame-count bound, not a time
                img = fw.capture()
                if img.pixel_u32(x0 + 30, y0 + 40) != 0xffffff:
                    break
            self.assertEqual((img.width, img.height), (width, height))
            # The first window maps at the output's corner, under the
            # pointer: border points away from the cursor image.
            for (dx, dy) in [(5, 125), (125, 3), (244, 125), (125, 246)]:
                self.assertEqual(img.pixel(x0 + dx, y0 + dy),
                                 (255, 255, 255), "border +%d,+%d" % (dx, dy))
            for dy in (30, 40, 210):
                row = [img.pixel_u32(x0 + dx, y0 + dy)
                       for dx in range(24, 40)]
                diffs = {(b - a) & 0xffffff for a, b in zip(row, row[1:])}
                self.assertEqual(diffs, {STEP}, "row +%d: %s"
                                 % (dy, [hex(v) for v in row]))
            outside = [(x0 + 250, y0 + 100), (x0 + 100, y0 + 250),
                       (1000, 600), (width - 1, height - 1)]
            for (x, y) in outside:
                self.assertEqual(img.pixel(x, y), (0, 0, 0),
                                 "background at %d,%d" % (x, y))

            # The kernel's side: an active CRTC in that mode, and a plane
            # that scans out a framebuffer of the output's size that
            # fenceway allocated.
            state = kms_state(self.card)
            self.assertRegex(state, r"crtc\[\d+\]: .*\n(\t.*\n)*?\tactive=1")
            self.assertRegex(state, r"mode: \"?1280x800")
            self.assertRegex(state, r"plane\[\d+\]: .*\n\tcrtc=crtc-0\n"
                             r"\tfb=[1-9]\d*\n\t\tallocated by = fenceway\n"
                             r"(\t\t.*\n)*?\t\tsize=1280x800\n")

            status = fw.stop()
            fw.assert_clean_exit(status)
            stats = re.search(r"stats: output_commits=(\d+)", fw.log())
            self.assertIsNotNone(stats, fw.log())
            # Several frames went to KMS (captures and the client's own).
            self.assertGreaterEqual(int(stats.group(1)), 5)


if __name__ == "__main__":
    Kms.card = drm_card("virtio_gpu")
    if not Kms.card or not shutil.which("seatd") or \
            not shutil.which("weston-simple-shm") or not shutil.which("grim"):
        print("test_kms: needs a virtio-gpu card, seatd, weston-simple-shm "
              "and grim", file=sys.stderr)
        sys.exit(1 if os.environ.get("FW_VM") else 77)
    unittest.main()
