"""Stall reports, per client (compositor/stalls.h), against the real
headless compositor with --stall-threshold 50 and the demo client.

- A never-signalling client: a "stall:" line naming its pid, its surface
  (app_id, title), the timeline and point it waits for; then "still
  stalled" lines (the back-off; their order is checked, never their
  timing); when the client goes, "left with 1 held commit" and its
  summary.
- A slow client (each frame's fence signals long after the threshold):
  "stall over after" follows its stall line.
- A client whose acquire fence fails: "1 fence error" in its summary
  (syncobj and sync file).
- A client still there when fenceway exits: its summary is logged.
- With --trace, the same reports as instants of category "stall" on the
  client's process and surface track: the never-signalling client's
  "stall" (surface, timeline and point, age), its "stall repeat"s and
  "left with held commits"; the slow client's "stall end" after its
  "stall".
"""
import json
import os
import re
import signal
import tempfile
import unittest

from fenceway import Compositor
import explicit_sync_probe

DEMO = os.environ["FW_DEMO"]
ARGS = ["--stall-threshold", "50"]


def prefix(pid):
    return r"client pid %d \(fenceway-demo\): " % pid


def stall_instants(path):
    """The closed trace's stall instants, in order, and its track names
    ({(pid, tid): name})."""
    with open(path) as f:
        events = json.load(f)   # strict JSON: the file was closed
    tracks = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
              if e.get("name") == "thread_name"}
    return [e for e in events if e.get("cat") == "stall"], tracks


class Stalls(unittest.TestCase):
    def spawn_never_signal(self, fw):
        client = fw.spawn_client([DEMO, "--protocol", "syncobj", "--misbehave",
                                  "never-signal", "--misbehave-frame", "3"])
        fw.wait_for(lambda: "never-signal at frame 3 committed"
                    in fw.client_output(client), "the never-signalled frame")
        return client

    def test_never_signal(self):
        with Compositor(ARGS) as fw:
            client = self.spawn_never_signal(fw)
            first = fw.wait_for_log(
                prefix(client.pid) + r"stall: wl_surface@\d+ \(app_id "
                r"'fenceway-demo[^']*', title 'fenceway-demo'\): commit \d+ "
                r"held for [\d.]+ s, waiting for timeline "
                r"'fenceway-demo acquire' \(soft\) point 3, at 2; "
                r"0 other commits of the client held$")[0]
            repeats = fw.wait_for_log(
                prefix(client.pid) + r"still stalled: wl_surface@\d+ .*"
                r"point 3, at 2;", count=2)
            # The back-off: the same stall said again, after its first
            # line, each repeat later than the one before.
            self.assertLess(first.start(), repeats[0].start())
            self.assertLess(repeats[0].start(), repeats[1].start())
            self.assertEqual(len(re.findall(
                prefix(client.pid) + r"stall:", fw.log())), 1)
            ages = [float(re.search(r"held for ([\d.]+) s", m.group(0))
                          .group(1)) for m in [first] + repeats]
            self.assertEqual(ages, sorted(ages))

            client.send_signal(signal.SIGTERM)
            client.wait()
            fw.wait_for_log(prefix(client.pid) + r"left with 1 held commit; "
                            r"wl_surface@\d+ .*point 3, at 2")
            summary = fw.wait_for_log(
                prefix(client.pid) + r"summary: (\d+) commits, (\d+) let go "
                r"after a hold .*, 1 stall, 0 fence errors$")[0]
            self.assertGreaterEqual(int(summary.group(1)), 3)
            self.assertNotIn("stall over", fw.log())
            fw.assert_clean_exit(fw.stop())

    def test_stall_over(self):
        with Compositor(ARGS) as fw:
            client = fw.spawn_client([DEMO, "--protocol", "syncobj",
                                      "--latency", "300", "--frames", "3"])
            stall = fw.wait_for_log(prefix(client.pid) + r"stall: ")[0]
            over = fw.wait_for_log(
                prefix(client.pid) + r"stall over after ([\d.]+) s$")[0]
            self.assertLess(stall.start(), over.start())
            self.assertGreater(float(over.group(1)), 0.0)
            self.assertEqual(client.wait(), 0)
            fw.wait_for_log(prefix(client.pid) + r"summary: \d+ commits, "
                            r"[1-9]\d* let go after a hold \(held p50 <= "
                            r"[\d.]+ ms, p99 <= [\d.]+ ms\), [1-9]\d* stalls?, "
                            r"0 fence errors$")
            fw.assert_clean_exit(fw.stop())

    def test_fence_errors_counted(self):
        for protocol in ("syncobj", "syncfile"):
            with Compositor(ARGS) as fw:
                client = fw.spawn_client([DEMO, "--protocol", protocol,
                                          "--misbehave", "signal-error",
                                          "--frames", "6"])
                self.assertEqual(client.wait(), 0)
                fw.wait_for_log(prefix(client.pid) + r"summary: .*, "
                                r"1 fence error$")
                fw.assert_clean_exit(fw.stop())

    def test_exit_summary(self):
        with Compositor(ARGS) as fw:
            client = self.spawn_never_signal(fw)
            # The never-signalled frame's stall (on a loaded machine an
            # earlier frame may stall and end first).
            fw.wait_for_log(prefix(client.pid) + r"stall: .*point 3, at 2;")
            fw.assert_clean_exit(fw.stop())
            log = fw.log()
        left = log.index("client pid %d (fenceway-demo): left with 1 held "
                         "commit" % client.pid)
        summary = log.index("client pid %d (fenceway-demo): summary: "
                            % client.pid)
        self.assertLess(left, summary)
        self.assertLess(log.index("caught SIGTERM"), left)

    def test_trace_never_signal(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "trace.json")
            with Compositor(ARGS + ["--trace", path]) as fw:
                client = self.spawn_never_signal(fw)
                fw.wait_for_log(prefix(client.pid) + r"still stalled: .*"
                                r"point 3, at 2;", count=2)
                client.send_signal(signal.SIGTERM)
                client.wait()
                fw.wait_for_log(prefix(client.pid) + r"left with 1 held")
                fw.assert_clean_exit(fw.stop())
            stalls, tracks = stall_instants(path)
        # On a loaded machine an earlier frame may stall (and end) too;
        # the never-signalled frame's stall is the last one.
        names = [e["name"] for e in stalls]
        last = len(names) - 1 - names[::-1].index("stall")
        self.assertEqual(set(names[1:last:2]) | {"stall end"}, {"stall end"},
                         names)
        stalls, names = stalls[last:], names[last:]
        # One start, a repeat for each of the (at least) two repeated
        # lines, the leave last; no end, since the client left in it.
        self.assertEqual(names[-1], "left with held commits", names)
        self.assertGreaterEqual(names.count("stall repeat"), 2, names)
        self.assertEqual(len(names), names.count("stall repeat") + 2, names)
        for e in stalls:
            self.assertEqual(e["ph"], "i")
            self.assertEqual(e["pid"], client.pid)
            args = e["args"]
            surface = re.match(r"wl_surface@(\d+) \(app_id 'fenceway-demo"
                               r"[^']*', title 'fenceway-demo'\)$",
                               args["surface"])
            self.assertIsNotNone(surface, args)
            # On the surface's own track.
            self.assertEqual(tracks.get((e["pid"], e["tid"])),
                             "surface " + surface.group(1))
            self.assertRegex(args["waits_on"], r"^timeline 'fenceway-demo "
                             r"acquire' \(soft\) point 3, at 2$")
            self.assertEqual(args["point"], 3)
            self.assertEqual(args["held"], 1)
            self.assertEqual(args["commit"], stalls[0]["args"]["commit"])
        # The same commit, held ever longer (never a timing: an order).
        ages = [e["args"]["age_us"] for e in stalls]
        self.assertEqual(ages, sorted(ages))
        self.assertGreaterEqual(ages[0], 50 * 1000)

    def test_trace_stall_over(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "trace.json")
            with Compositor(ARGS + ["--trace", path]) as fw:
                client = fw.spawn_client([DEMO, "--protocol", "syncobj",
                                          "--latency", "300", "--frames",
                                          "3"])
                fw.wait_for_log(prefix(client.pid) + r"stall over after ")
                self.assertEqual(client.wait(), 0)
                fw.assert_clean_exit(fw.stop())
            stalls, _ = stall_instants(path)
        names = [e["name"] for e in stalls if e["name"] != "stall repeat"]
        self.assertIn("stall end", names)
        # Each stall ends before the next (the last one may end with its
        # client leaving in it).
        self.assertEqual(len(names) % 2, 0, names)
        self.assertEqual(set(names[0::2]), {"stall"}, names)
        self.assertEqual(set(names[1:-1:2]) | {"stall end"}, {"stall end"},
                         names)
        self.assertIn(names[-1], ("stall end", "left with held commits"))
        for e in stalls:
            self.assertEqual(e["pid"], client.pid)
            if e["name"] == "stall end":
                self.assertGreaterEqual(e["args"]["stalled_us"], 50 * 1000)
                self.assertRegex(e["args"]["surface"], r"^wl_surface@\d+ ")


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
