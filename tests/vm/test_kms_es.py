"""Explicit sync with kernel objects end to end, on real KMS, run
inside the qemu guest.

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
The same runs are recorded with `trace-cmd record -C mono -e dma_fence`
while fenceway runs with --trace-marker: the recording must hold the
kernel's dma_fence events and fenceway's spans (GPUVis begin_gctx=/end_gctx=
lines) for the held frame, in order: its fence made, fenceway starts
waiting, the fence signals (syncfile: vgem's dma_fence_signaled; syncobj:
the dma_fence_chain of point 2), fenceway sees the signal and ends the wait,
the frame is applied.
Exits 77 outside a guest with a virtio-gpu card.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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


# trace-cmd report -t: "comm-pid [cpu] secs.nanos: event: fields".
REPORT_LINE = re.compile(r"^\s*(.+?)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\S+):\s+(.*)$")


TRACEFS = ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")


def read_flag(tracefs, name):
    try:
        with open(os.path.join(tracefs, name)) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


class TraceCmd:
    """trace-cmd record of the kernel's dma_fence events on
    CLOCK_MONOTONIC while in the block; trace_marker lines are recorded
    with them (print events) whatever the events chosen."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "trace.dat")
        self.proc = None

    def __enter__(self):
        self.log = open(self.path + ".log", "w+")
        self.proc = subprocess.Popen(
            ["trace-cmd", "record", "-C", "mono", "-e", "dma_fence",
             "-o", self.path],
            stdout=self.log, stderr=subprocess.STDOUT)
        # Recording once the events are on and tracing runs (its "Hit
        # Ctrl^C" line is block-buffered into the log).
        for _ in range(600):   # a bound on polls, not a timing
            if self.proc.poll() is not None:
                break
            if any(read_flag(d, "tracing_on") and
                   read_flag(d, "events/dma_fence/enable")
                   for d in TRACEFS):
                return self
            time.sleep(0.05)
        self.__exit__()
        raise AssertionError("trace-cmd record did not start: %s"
                             % open(self.path + ".log").read())

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(120)
        self.log.close()

    def events(self):
        """[(ns, event, fields)] of the recording, in time order."""
        out = subprocess.run(["trace-cmd", "report", "-t", "-i", self.path],
                             check=True, capture_output=True, text=True,
                             timeout=120).stdout
        events = []
        for line in out.splitlines():
            m = REPORT_LINE.match(line)
            if m:
                secs, nanos = m.group(3).split(".")
                ns = int(secs) * 1000000000 + int(nanos.ljust(9, "0")[:9])
                events.append((ns, m.group(4), m.group(5)))
        events.sort(key=lambda e: e[0])
        return events


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
        with tempfile.TemporaryDirectory() as tmp:
            with TraceCmd(tmp) as rec:
                self.run_recorded(mode)
            self.check_recording(mode, rec.events())

    def check_recording(self, mode, events):
        """The held frame's fence and fenceway's spans, in order, in one
        recording."""
        def first(pred, after=0, what=""):
            for i, ev in enumerate(events):
                if i >= after and pred(ev):
                    return i
            self.fail("not in the recording: %s (events: %s)" % (
                what, sorted({e[1] for e in events})))

        marker = [e for e in events if "fenceway vm-es-client" in e[2]]
        self.assertTrue(marker, "no fenceway marker line recorded")
        # The held frame: the only commit of ours that waited.
        m = [re.search(r"waiting for acquire begin_gctx=(\d+)", e[2])
             for e in marker]
        gctx = [x.group(1) for x in m if x]
        self.assertEqual(len(gctx), 1, "waits: %s" % gctx)
        begin = first(lambda e: "begin_gctx=%s" % gctx[0] in e[2],
                      what="begin of the wait")
        end = first(lambda e: re.search(r"end_gctx=%s\b" % gctx[0], e[2]),
                    begin, "end of the wait")
        seen = first(lambda e: "fenceway vm-es-client" in e[2] and
                     "acquire signalled" in e[2], begin, "acquire signalled")
        applied = first(lambda e: "fenceway vm-es-client" in e[2] and
                        re.search(r": applied begin_gctx", e[2]), begin,
                        "applied")
        self.assertLessEqual(seen, end)
        self.assertLess(end, applied + 1)
        kernel = [i for i, e in enumerate(events)
                  if e[1].startswith("dma_fence_")]
        self.assertTrue(kernel, "no dma_fence event recorded")
        for i in sorted({begin, seen, end, applied} |
                        {k for k in kernel if begin <= k <= applied}):
            print("%s: %d %s %s" % (mode, events[i][0], events[i][1],
                                    events[i][2][:110]))
        if mode == "syncfile":
            # vgem's fence: made before fenceway waited, signalled between
            # the start of the wait and fenceway seeing it.
            made = [i for i in kernel if events[i][1] == "dma_fence_init"
                    and "driver=vgem" in events[i][2]]
            self.assertTrue(made and made[0] < begin, "vgem fence not made "
                            "before the wait")
            signalled = first(lambda e: e[1] == "dma_fence_signaled" and
                              "driver=vgem" in e[2], begin,
                              "vgem's dma_fence_signaled after the wait "
                              "began")
        else:
            # Point 2 of the syncobj timeline: the CPU signal installs a
            # dma_fence_chain link with that seqno, signalled at once.
            signalled = first(lambda e: e[1] == "dma_fence_signaled" and
                              "driver=dma_fence_chain" in e[2] and
                              re.search(r"seqno=2\b", e[2]), begin,
                              "point 2's dma_fence_chain signalled after the "
                              "wait began")
        self.assertLessEqual(signalled, seen)
        self.assertLessEqual(events[signalled][0], events[seen][0])

    def run_recorded(self, mode):
        with Seatd(), Compositor(["--trace-marker"], headless=False,
                                 env=fenceway_env(self.card),
                                 timeout=60) as fw:
            fw.wait_for_log(r"--trace-marker: writing spans to ")
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
            not shutil.which("weston-simple-shm") or not shutil.which("grim") \
            or not shutil.which("trace-cmd"):
        print("test_kms_es: needs a virtio-gpu card, FW_VM_ES_CLIENT, seatd, "
              "weston-simple-shm, grim and trace-cmd", file=sys.stderr)
        sys.exit(1 if os.environ.get("FW_VM") else 77)
    unittest.main()
