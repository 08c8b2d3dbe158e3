"""Command line: bad arguments exit 2 with a one-line error and the
usage; --help and --version exit 0; --output and -s do what they say."""
import os
import subprocess
import unittest

from fenceway import Compositor, skip_unless_programs

BIN = os.environ.get("FENCEWAY")


def run(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


class Cli(unittest.TestCase):
    def assert_bad(self, args, message):
        res = run(*args)
        self.assertEqual(res.returncode, 2, (args, res.stderr))
        lines = res.stderr.splitlines()
        self.assertTrue(lines[0].startswith("fenceway: "), lines)
        self.assertIn(message, lines[0])
        self.assertIn("Usage: fenceway", res.stderr)
        self.assertEqual(res.stdout, "")

    def test_bad_arguments(self):
        self.assert_bad(["--bogus"], "unknown option '--bogus'")
        self.assert_bad(["-x"], "unknown option")
        self.assert_bad(["--output"], "needs an argument")
        self.assert_bad(["--socket"], "needs an argument")
        self.assert_bad(["stray"], "unexpected argument 'stray'")
        self.assert_bad(["--log-level", "loud"], "invalid --log-level")
        self.assert_bad(["--socket", "a/b"], "invalid --socket")
        self.assert_bad(["--headless", "--"], "'--' must be followed by a "
                        "command")

    def test_output_refused(self):
        self.assert_bad(["--output", "1280x720@2000"], "at most 1000 Hz")
        for bad in ["1280x720@0", "1280x720@-5", "1280x720@", "abc",
                    "1280", "1280x", "0x720", "1280x0", "1280x720x3",
                    "99999x720", "1280x720@60Hz", "1280x720@nan"]:
            self.assert_bad(["--output", bad], "invalid --output")

    def test_help_and_version(self):
        res = run("--help")
        self.assertEqual(res.returncode, 0)
        self.assertIn("Usage: fenceway", res.stdout)
        self.assertIn("--output WxH[@HZ]", res.stdout)
        self.assertIn("[-- CMD [ARGS...]]", res.stdout)
        res = run("-h")
        self.assertEqual(res.returncode, 0)
        res = run("--version")
        self.assertEqual(res.returncode, 0)
        self.assertRegex(res.stdout, r"^fenceway \d+\.\d+\.\d+\n$")

    def test_output_mode_applied(self):
        with Compositor(args=["--output", "800x600@30"]) as fw:
            self.assertRegex(fw.log(), r"output HEADLESS-1 mode "
                             r"800x600@30\.000Hz")
            img = fw.capture()
            self.assertEqual((img.width, img.height), (800, 600))
            fw.assert_clean_exit(fw.stop())

    def test_startup_command(self):
        # -s runs through sh with WAYLAND_DISPLAY set to our socket.
        with Compositor(args=["-s", 'echo "$WAYLAND_DISPLAY" > '
                              '"$XDG_RUNTIME_DIR/startup.out"']) as fw:
            out = os.path.join(fw.runtime_dir, "startup.out")
            fw.wait_for_log(r"startup command exited \(status 0\)")
            with open(out) as f:
                self.assertEqual(f.read().strip(), fw.socket)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim")
    unittest.main()
