"""fenceway --trace FILE: a syncobj demo client draws FRAMES frames on the
headless compositor, SIGTERM stops it, and the trace must be strict JSON
holding the client's process and surface track and, for every buffer
commit, its life in order: committed, (waiting for acquire,) applied, then
presented or discarded, and release pending only after applied.
"""
import json
import os
import tempfile
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

FRAMES = 40
DEMO = os.environ["FW_DEMO"]


class Trace(unittest.TestCase):
    def test_commit_lives_in_order(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "trace.json")
            with Compositor(["--trace", path]) as fw:
                demo_summary.run_accounted(
                    self, fw, [DEMO, "--protocol", "syncobj", "--latency", "5"],
                    FRAMES)
                fw.assert_clean_exit(fw.stop())
            with open(path) as f:
                events = json.load(f)   # strict JSON: the file was closed
        self.assertEqual(events[-1]["name"], "trace end")

        names = {e["args"]["name"] for e in events
                 if e.get("name") == "process_name"}
        self.assertIn("fenceway", names)
        self.assertTrue(any(n.startswith("fenceway-demo (") for n in names),
                        names)
        self.assertTrue(any(e.get("name") == "thread_name"
                            and e["args"]["name"].startswith("surface ")
                            for e in events))

        committed = {}
        for e in events:
            if e.get("ph") == "i" and e.get("name") == "commit" \
                    and e["args"]["buffer"]:
                committed[e["args"]["id"]] = e["ts"]
        lives = {}
        for e in events:
            if e.get("ph") in ("b", "e") and e.get("cat") == "commit":
                lives.setdefault(int(e["id"], 16), []).append(e)
        self.assertGreaterEqual(len(committed), FRAMES)
        self.assertEqual(set(lives), set(committed))

        presented = 0
        for cid, evs in lives.items():
            steps = [(e["ph"], e["name"]) for e in evs]
            ts = {(e["ph"], e["name"]): e["ts"] for e in evs}
            where = "commit %d: %s" % (cid, steps)
            # Every span that begins ends, exactly once.
            for ph, name in steps:
                self.assertEqual(steps.count((ph, name)), 1, where)
                if ph == "b":
                    self.assertIn(("e", name), steps, where)
                    self.assertLessEqual(ts[("b", name)], ts[("e", name)],
                                         where)
            if ("b", "waiting for acquire") in ts:
                self.assertLessEqual(committed[cid],
                                     ts[("b", "waiting for acquire")], where)
            if ("b", "applied") not in ts:
                self.assertNotIn(("b", "on screen"), ts, where)
                continue
            self.assertLessEqual(committed[cid], ts[("b", "applied")], where)
            if ("e", "waiting for acquire") in ts:
                self.assertLessEqual(ts[("e", "waiting for acquire")],
                                     ts[("b", "applied")], where)
            end = [e for e in evs
                   if e["ph"] == "e" and e["name"] == "applied"][0]
            self.assertIn(end["args"]["outcome"],
                          ("presented", "discarded", "retired"), where)
            if end["args"]["outcome"] == "presented":
                presented += 1
            if ("b", "on screen") in ts:
                self.assertEqual(end["args"]["outcome"], "presented", where)
                self.assertLessEqual(end["ts"], ts[("b", "on screen")], where)
            if ("b", "release pending") in ts:
                self.assertLessEqual(ts[("b", "applied")],
                                     ts[("b", "release pending")], where)
        self.assertGreaterEqual(presented * 10, FRAMES * 9)


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
