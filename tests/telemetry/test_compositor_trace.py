"""fenceway --trace FILE: a syncobj demo client draws FRAMES frames on the
headless compositor, SIGTERM stops it, and the trace must be strict JSON
holding the client's process and surface track and, for every buffer
commit, its complete life in order (check_trace_json.check_lives): committed,
acquire signal seen (never before its producer's time), applied, presented
or discarded, released through its timeline point; flows, counters and the
output's presents.
"""
import json
import os
import tempfile
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe
import check_trace_json

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

        lives = check_trace_json.check_lives(events, headless=True)
        self.assertGreaterEqual(len(lives), FRAMES)
        # The xdg-shell's first commit carries no buffer: an instant.
        self.assertTrue(any(e.get("name") == "commit"
                            and not e["args"]["buffer"] for e in events))
        presented = sum(life.get("outcome") == "presented"
                        for life in lives.values())
        self.assertGreaterEqual(presented * 10, FRAMES * 9)
        # Every frame waited 5 ms for its fence, and every buffer went back
        # through its release point once the client left.
        self.assertTrue(all("acquired" in life for life in lives.values()))
        self.assertTrue(all("released" in life for life in lives.values()))
        releases = [e for e in events if e.get("name") == "released"]
        self.assertEqual({e["args"]["how"] for e in releases},
                         {"timeline point"})
        # Soft timelines keep the producer's signal times.
        self.assertTrue(any("producer_ns" in e["args"] for e in events
                            if e.get("name") == "acquire signalled"))
    def test_marker_says_where_it_writes(self):
        """--trace-marker without a trace file: one line saying where the
        spans go or that they cannot (no tracefs, not root), and the
        compositor runs on either way."""
        with Compositor(["--trace-marker"]) as fw:
            demo_summary.run_accounted(
                self, fw, [DEMO, "--protocol", "syncobj"], 5)
            fw.assert_clean_exit(fw.stop())
            lines = [line for line in fw.log().splitlines()
                     if "--trace-marker" in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"writing spans to /sys/kernel/"
                         r"(debug/)?tracing/trace_marker$|neither "
                         r"/sys/kernel/tracing/trace_marker nor")


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
