"""wp_presentation: clients get "presented" events, and every feedback
belongs to its own commit -- exactly one presented/discarded each, never
merged with another commit's."""
import os
import re
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-presentation-client")


def summary(out):
    m = re.search(r"summary: feedbacks=(\d+) presented=(\d+) discarded=(\d+)"
                  r" multiple=(\d+) missing=(\d+) sync_output=(\d+)", out)
    assert m, out
    keys = ("feedbacks", "presented", "discarded", "multiple", "missing",
            "sync_output")
    return dict(zip(keys, (int(v) for v in m.groups())))


def stats(log):
    m = re.search(r"stats: output_commits=(\d+) presented=(\d+) "
                  r"discarded=(\d+)", log)
    assert m, log[-3000:]
    return tuple(int(v) for v in m.groups())


class Presentation(unittest.TestCase):
    def test_weston_presentation_shm_gets_presented(self):
        with Compositor() as fw:
            # stdbuf: its stdout goes to a file; make it line-buffered so
            # the lines are there while it runs.
            app = fw.spawn_client(["stdbuf", "-oL", "weston-presentation-shm",
                                   "-f"])
            line = re.compile(r"^\s*\d+: f2c .* seq \d+", re.M)
            fw.wait_for(lambda: len(line.findall(fw.client_output(app)))
                        >= 30, "30 presented frames in weston-presentation-shm")
            self.assertIsNone(app.poll())
            fw.assert_clean_exit(fw.stop())
            commits, presented, _ = stats(fw.log())
            self.assertGreaterEqual(presented, 30)
            self.assertGreater(commits, 0)

    def test_burst_each_feedback_answered_once(self):
        with Compositor() as fw:
            res = fw.run_client([CLIENT, "burst", "200"])
            s = summary(res.stdout)
            self.assertIn("clock_id=1\n", res.stdout)   # CLOCK_MONOTONIC
            self.assertEqual(s["feedbacks"], 200)
            self.assertEqual(s["missing"], 0, res.stdout)
            self.assertEqual(s["multiple"], 0, res.stdout)
            self.assertEqual(s["presented"] + s["discarded"], 200)
            # Commits faster than frames: some are replaced before being
            # shown, but the last one, at least, reaches the screen.
            self.assertGreaterEqual(s["presented"], 1)
            self.assertIn("feedback 199: presented", res.stdout)
            # Every presented one said which output (sync_output).
            self.assertEqual(s["sync_output"], s["presented"])
            fw.assert_clean_exit(fw.stop())

    def test_held_commits_keep_their_own_feedback(self):
        # A synchronized subsurface's commits are held (cached) until the
        # parent commits; the feedback requested for the second held commit
        # must not be merged into the first (wlroots 0.15's
        # wlr_presentation would), and the first, replaced before it was
        # ever shown, is discarded.
        with Compositor() as fw:
            res = fw.run_client([CLIENT, "subsurface"])
            out = res.stdout
            s = summary(out)
            self.assertEqual(s["feedbacks"], 3, out)
            self.assertEqual(s["multiple"], 0, out)
            self.assertEqual(s["missing"], 0, out)
            self.assertIn("early_presented=0", out)
            self.assertIn("feedback 0: discarded", out)   # A: replaced by B
            self.assertIn("feedback 1: presented", out)   # B
            self.assertIn("feedback 2: presented", out)   # P
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-presentation-shm", "stdbuf")
    unittest.main()
