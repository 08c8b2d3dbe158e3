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
"""
import os
import re
import signal
import unittest

from fenceway import Compositor
import explicit_sync_probe

DEMO = os.environ["FW_DEMO"]
ARGS = ["--stall-threshold", "50"]


def prefix(pid):
    return r"client pid %d \(fenceway-demo\): " % pid


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
            fw.wait_for_log(prefix(client.pid) + r"stall: ")
            fw.assert_clean_exit(fw.stop())
            log = fw.log()
        left = log.index("client pid %d (fenceway-demo): left with 1 held "
                         "commit" % client.pid)
        summary = log.index("client pid %d (fenceway-demo): summary: "
                            % client.pid)
        self.assertLess(left, summary)
        self.assertLess(log.index("caught SIGTERM"), left)


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
