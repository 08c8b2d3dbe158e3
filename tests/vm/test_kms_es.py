"""Explicit sync with kernel objects end to end, on real KMS (issue 7,
parts 3 and 4), run inside the qemu guest.

fenceway runs on wlroots' DRM backend (virtio-gpu, seatd, pixman) next to
weston-simple-shm.  vm-es-client shows a green frame, then commits a red
frame whose acquire is pending -- a point of a real DRM syncobj timeline
(wp_linux_drm_syncobj_manager_v1, timelines made on the virtio-gpu render
node; the point is not even submitted until the client signals it from the
CPU) or a pending vgem fence as a kernel sync_file
(zwp_linux_explicit_synchronization_v1).  Checks, for each protocol:
  * while the fence is pending (at least two seconds), no captured frame
    shows red: fenceway waits before it commits to KMS (wlroots 0.15 sets
    no IN_FENCE_FD); the green frame is not released;
  * meanwhile the other client's frames keep reaching the screen (its
    pattern changes between captures): one pending fence stalls neither
    KMS nor other clients;
  * once vgem signals, red appears, and the green frame is released
    (release point signalled / immediate_release), the red one (on screen)
    not;
  * fenceway exits cleanly.
Exits 77 outside a guest with a virtio-gpu card.
"""
import os
import shutil
import subprocess
import sys
import time
import unittest

from fenceway import Compositor, read_ppm
from kms_session import Seatd, drm_card, fenceway_env

GREEN = (0, 255, 0)
RED = (255, 0, 0)
HOLD_SECONDS = 2.0   # how long the fence stays pending (scenario, not check)
# vgem fences signal by themselves 10 s after they are made: past this, a
# red frame would prove nothing, so the hold phase ends before.
HOLD_LIMIT = 8.0


class KmsExplicitSync(unittest.TestCase):
    card = None
    client = None

    def expect(self, proc, word):
        line = proc.stdout.readline().strip()
        self.assertEqual(line, word, "vm-es-client said %r" % line)

    def send(self, proc, word):
        proc.stdin.write(word + "\n")
        proc.stdin.flush()

    def grab(self, fw, box):
        """Capture only @box (x, y, w, h) of the screen: a quarter of the
        cost of a full frame under TCG, and the hold phase is bounded."""
        path = os.path.join(fw.runtime_dir, "box.ppm")
        fw.run_client(["grim", "-t", "ppm", "-g", "%d,%d %dx%d" % box, path])
        return read_ppm(path)

    def capture_until(self, fw, box, xy, color):
        for _ in range(100):   # a frame-count bound, not a time
            img = self.grab(fw, box)
            if img.pixel(*xy) == color:
                return img
        self.fail("never showed %s at %s (last %s)"
                  % (color, xy, img.pixel(*xy)))

    def run_protocol(self, mode):
        with Seatd(), Compositor(headless=False, env=fenceway_env(self.card),
                                 timeout=60) as fw:
            fw.wait_for_log(r"output Virtual-1 mode")
            # The other client first: it goes to the corner, ours next to
            # it (placement avoids overlap), leaving it visible.
            fw.spawn_client(["weston-simple-shm"])
            (shm,) = fw.wait_for_toplevels(1)
            proc = subprocess.Popen([self.client, mode], env=fw.client_env(),
                                    stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            try:
                self.expect(proc, "ready")
                win = fw.wait_for_toplevels(2)[1]
                self.assertEqual((win["width"], win["height"]), (160, 160))
                self.assertLess(shm["x"] + 30, win["x"],
                                "the probe must stay visible")
                # One box around both windows; points relative to it.
                box = (shm["x"], shm["y"], win["x"] + 160 - shm["x"],
                       win["y"] + 160 - shm["y"])
                ours = (win["x"] + 80 - box[0], win["y"] + 80 - box[1])
                probe = (30, 40)
                self.capture_until(fw, box, ours, GREEN)

                self.send(proc, "go")
                self.expect(proc, "held")
                held_at = time.monotonic()
                seen = set()
                frames = 0
                while frames < 3 or time.monotonic() - held_at < HOLD_SECONDS:
                    img = self.grab(fw, box)
                    frames += 1
                    elapsed = time.monotonic() - held_at
                    self.assertLess(elapsed, HOLD_LIMIT, "hold phase too "
                                    "slow to prove anything (vgem fences "
                                    "self-signal after 10 s)")
                    self.assertEqual(img.pixel(*ours), GREEN,
                                     "red shown before its fence signalled")
                    seen.add(img.pixel_u32(*probe))
                # weston-simple-shm's pattern moves with time: several
                # different values = its frames kept coming.
                self.assertGreaterEqual(len(seen), 3,
                                        "the other client stalled: %s"
                                        % sorted(hex(v) for v in seen))

                self.send(proc, "signal")
                self.expect(proc, "released")
                self.capture_until(fw, box, ours, RED)
                self.send(proc, "quit")
                self.assertEqual(proc.wait(30), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdin.close()
                proc.stdout.close()
            fw.assert_clean_exit(fw.stop())

    def test_syncobj_timelines(self):
        self.run_protocol("syncobj")

    def test_kernel_sync_files(self):
        self.run_protocol("syncfile")


if __name__ == "__main__":
    KmsExplicitSync.card = drm_card("virtio_gpu")
    KmsExplicitSync.client = os.environ.get("FW_VM_ES_CLIENT")
    if not KmsExplicitSync.card or not KmsExplicitSync.client or \
            not shutil.which("seatd") or \
            not shutil.which("weston-simple-shm") or not shutil.which("grim"):
        print("test_kms_es: needs a virtio-gpu card, FW_VM_ES_CLIENT, seatd, "
              "weston-simple-shm and grim", file=sys.stderr)
        sys.exit(1 if os.environ.get("FW_VM") else 77)
    unittest.main()
