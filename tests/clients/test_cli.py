"""The demos' command lines: --help works without a display, and bad
values are refused with status 2 and a message naming the option, before
any connection is made (no compositor needed)."""
import os
import subprocess
import unittest

DEMO = os.environ["FW_DEMO"]
DEMO_EGL = os.environ.get("FW_DEMO_EGL")


def run(argv):
    env = dict(os.environ)
    for k in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"):
        env.pop(k, None)
    return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


class Cli(unittest.TestCase):
    def test_help(self):
        for prog in filter(None, [DEMO, DEMO_EGL]):
            res = run([prog, "--help"])
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertIn("--protocol", res.stdout)
            self.assertIn("--frames", res.stdout)
        self.assertIn("--misbehave", run([DEMO, "--help"]).stdout)

    def test_bad_values(self):
        cases = [
            (["--buffers", "1"], "--buffers"),
            (["--buffers", "17"], "--buffers"),
            (["--frames", "0"], "--frames"),
            (["--size", "10x10"], "--size"),
            (["--size", "256"], "--size"),
            (["--color", "red"], "--color"),
            (["--protocol", "vulkan"], "--protocol"),
            (["--misbehave", "explode"], "--misbehave"),
            (["--latency", "-3"], "--latency"),
            (["--protocol", "none", "--misbehave", "junk-fd"], "explicit-sync"),
            (["--frames", "5", "--misbehave", "never-signal",
              "--misbehave-frame", "9"], "--misbehave-frame"),
            (["--protocol", "syncobj", "--commit-early"], "--commit-early"),
            (["--protocol", "syncfile", "--commit-early"], "--commit-early"),
            (["stray"], "stray"),
        ]
        for args, word in cases:
            with self.subTest(args=args):
                res = run([DEMO] + args)
                self.assertEqual(res.returncode, 2, res.stdout + res.stderr)
                self.assertIn(word, res.stderr)

    @unittest.skipUnless(DEMO_EGL, "fenceway-demo-egl not built")
    def test_egl_refuses_shm_options(self):
        for args in (["--protocol", "syncobj"], ["--buffers", "3"],
                     ["--misbehave", "never-signal"], ["--unthrottled"],
                     ["--commit-early"], ["--label", "x"]):
            with self.subTest(args=args):
                self.assertEqual(run([DEMO_EGL] + args).returncode, 2)


if __name__ == "__main__":
    unittest.main()
