"""Runner mode with --trace: `fenceway --headless --trace FILE -- demo`.
When fenceway exits, whether its client finished or was stopped while a
commit was held, the trace is complete: strict JSON ending in "trace end",
the client's process named, and every span that began has ended.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from fenceway import DEFAULT_TIMEOUT, compositor_env
import explicit_sync_probe

BIN = os.environ["FENCEWAY"]
DEMO = os.environ["FW_DEMO"]
FRAMES = 30


def run_with_trace(test, tmp, demo_args, stop_when=None):
    """Run fenceway -- demo with a trace in @tmp; with @stop_when (a
    predicate on the demo's output so far), SIGTERM fenceway once it holds.
    Returns (status, demo output, log, events)."""
    path = os.path.join(tmp, "trace.json")
    out_path = os.path.join(tmp, "demo.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen(
            [BIN, "--headless", "--trace", path, "--", DEMO] + demo_args,
            env=compositor_env(None), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.PIPE, text=True)
        if stop_when is not None:
            deadline = time.monotonic() + DEFAULT_TIMEOUT
            while True:
                with open(out_path) as f:
                    if stop_when(f.read()):
                        break
                test.assertIsNone(proc.poll(), "fenceway exited early")
                test.assertLess(time.monotonic(), deadline,
                                "the demo never got there")
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
        _, log = proc.communicate(timeout=DEFAULT_TIMEOUT)
    with open(path) as f:
        events = json.load(f)   # strict JSON: fenceway closed the file
    with open(out_path) as f:
        return proc.returncode, f.read(), log, events


def check_complete(test, events, where):
    test.assertEqual(events[-1]["name"], "trace end", where)
    names = {e["args"]["name"] for e in events
             if e.get("name") == "process_name"}
    test.assertTrue(any(n.startswith("fenceway-demo (") for n in names),
                    names)
    spans = {}
    for e in events:
        if e.get("ph") in ("b", "e"):
            key = (e["pid"], e.get("cat"), e["name"], e["id"])
            spans.setdefault(key, []).append(e["ph"])
    test.assertTrue(spans, where)
    for key, phases in spans.items():
        test.assertEqual(phases, ["b", "e"], "%s in %s" % (key, where))
    return [e for e in events if e.get("ph") == "i"
            and e.get("name") == "commit" and e["args"].get("buffer")]


class RunnerTrace(unittest.TestCase):
    def test_client_finishes(self):
        with tempfile.TemporaryDirectory() as tmp:
            status, out, log, events = run_with_trace(
                self, tmp, ["--protocol", "syncobj", "--latency", "2",
                            "--frames", str(FRAMES)])
        self.assertEqual(status, 0, out + log)
        self.assertIn("errors: 0 ", out)
        commits = check_complete(self, events, log)
        self.assertGreaterEqual(len(commits), FRAMES)

    def test_stopped_while_held(self):
        # The demo's third frame never signals: fenceway holds it until
        # SIGTERM, which it forwards; the demo ends with its summary.
        with tempfile.TemporaryDirectory() as tmp:
            status, out, log, events = run_with_trace(
                self, tmp, ["--protocol", "syncobj", "--frames", "100",
                            "--misbehave", "never-signal"],
                stop_when=lambda out: "misbehave:" in out)
        # fenceway passed its SIGTERM on; the demo's status is fenceway's.
        self.assertIn("interrupted: signal=15", out)
        self.assertIn("command exited (status %d)" % status, log)
        held = [e for e in events if e.get("ph") == "b"
                and e["name"] == "waiting for acquire"]
        self.assertTrue(held, "no held commit in the trace")
        check_complete(self, events, log)


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered("syncobj")
    unittest.main()
