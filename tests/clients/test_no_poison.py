"""No captured frame ever shows a buffer whose acquire had not signalled.

The demo's render thread fills a buffer with the poison colour the moment
its "GPU job" starts -- right after the commit -- and paints the real frame
only at the end of the simulated GPU latency.  With explicit sync the
compositor must wait for the acquire point/fence, so poison is never on
screen.  Several demos run unthrottled with GPU latencies longer than a
refresh (so commits are held, stacked and superseded all the time) while
screenshots are taken; every pixel of every capture is checked.  The demos'
own summaries must report no early presents (a frame whose presentation
time precedes its acquire signal).  argv[1]: syncobj or syncfile.
"""
import os
import sys
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

PROTOCOL = "syncobj"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    PROTOCOL = sys.argv.pop(1)
DEMO = os.environ["FW_DEMO"]
FRAMES = 90
CAPTURES = 12


def poison_pixels(img):
    d = img.data
    return sum(1 for i in range(0, len(d), 3)
               if d[i] == 0xff and d[i + 1] == 0x00 and d[i + 2] == 0xff)


class NoPoison(unittest.TestCase):
    def test_captures(self):
        with Compositor() as fw:
            procs = []
            for n, (latency, extra) in enumerate([("30", ["--unthrottled"]),
                                                  ("45", ["--unthrottled", "--buffers", "4"]),
                                                  ("25", [])]):
                procs.append(fw.spawn_client(
                    [DEMO, "--protocol", PROTOCOL, "--frames", str(FRAMES),
                     "--latency", latency, "--name", "p%d" % n] + extra))
            fw.wait_for_toplevels(len(procs))
            for i in range(CAPTURES):
                img = fw.capture()
                self.assertEqual(poison_pixels(img), 0, "capture %d shows poison" % i)
            for p in procs:
                rc = p.wait(180)
                out = fw.client_output(p)
                self.assertEqual(rc, 0, out)
                s = demo_summary.parse(out)
                f = s["frames"]
                self.assertEqual(f["frames"], FRAMES, out)
                self.assertEqual(f["presented"] + f["discarded"], FRAMES, out)
                self.assertGreater(f["presented"], 0, out)
                self.assertEqual(s["errors"]["early-presents"], 0, out)
                self.assertEqual(s["errors"]["errors"], 0, out)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered(PROTOCOL)
    unittest.main()
