"""The demo's misbehaving modes do what the explicit-sync tests rely on,
for both protocols (argv[1]: syncobj or syncfile), against the real
compositor:
  junk-fd / junk-pipe / junk-memfd  the compositor refuses the fd with the
      protocol's own error (invalid_timeline / invalid_fence); the demo
      exits 1 and names it on a protocol-error line
  die-mid-frame   exit status 3 right after committing frame K; the
      compositor carries on serving others
  never-signal    frame K stays pending for good while another client runs
      all its frames; on SIGTERM the demo reports frames K-1 accounted for
      and one pending, exit 0
  signal-error    the demo keeps going on a fresh timeline / fence; every
      frame is accounted for
Counts only, no clocks.
"""
import os
import signal
import sys
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

PROTOCOL = "syncobj"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    PROTOCOL = sys.argv.pop(1)
DEMO = os.environ["FW_DEMO"]
K = 3
EXPECTED_ERROR = {
    "syncobj": ("wp_linux_drm_syncobj_manager_v1", 1),       # invalid_timeline
    "syncfile": ("zwp_linux_surface_synchronization_v1", 0),  # invalid_fence
}


def demo(*extra):
    return [DEMO, "--protocol", PROTOCOL, "--misbehave-frame", str(K)] + list(extra)


class Misbehave(unittest.TestCase):
    def bystander(self, fw, frames=30):
        """A well-behaved demo runs to completion on the same compositor."""
        demo_summary.run_accounted(
            self, fw, [DEMO, "--protocol", PROTOCOL, "--name", "bystander"],
            frames)

    def test_junk_fds(self):
        iface, code = EXPECTED_ERROR[PROTOCOL]
        with Compositor() as fw:
            for mode in ("junk-fd", "junk-pipe", "junk-memfd"):
                res = fw.run_client(demo("--frames", "10", "--misbehave", mode),
                                    check=False)
                out = res.stdout + res.stderr
                self.assertEqual(res.returncode, 1, out)
                err = demo_summary.parse(res.stdout).get("protocol-error")
                self.assertIsNotNone(err, out)
                self.assertEqual((err["interface"], int(err["code"])), (iface, code), out)
                # Frames before K were shown; K never was.
                f = demo_summary.parse(res.stdout)["frames"]
                self.assertEqual(f["frames"], K, out)
                self.assertEqual(f["presented"] + f["discarded"], K - 1, out)
            self.bystander(fw)
            fw.assert_clean_exit(fw.stop())

    def test_die_mid_frame(self):
        with Compositor() as fw:
            res = fw.run_client(demo("--frames", "10", "--misbehave", "die-mid-frame"),
                                check=False)
            self.assertEqual(res.returncode, 3, res.stdout + res.stderr)
            self.assertIn("misbehave: died at frame %d" % K, res.stdout)
            self.bystander(fw)
            fw.assert_clean_exit(fw.stop())

    def test_never_signal(self):
        with Compositor() as fw:
            stuck = fw.spawn_client(demo("--frames", "10", "--misbehave", "never-signal",
                                         "--name", "stuck"))
            fw.wait_for(lambda: "misbehave: never-signal at frame %d committed" % K
                        in fw.client_output(stuck), "the held commit")
            # While frame K is held, another client gets all its frames.
            self.bystander(fw, frames=60)
            self.assertIsNone(stuck.poll(), fw.client_output(stuck))
            stuck.send_signal(signal.SIGTERM)
            rc = stuck.wait(30)
            out = fw.client_output(stuck)
            self.assertEqual(rc, 0, out)
            s = demo_summary.parse(out)
            self.assertIn("interrupted", s, out)
            self.assertEqual(s["frames"]["frames"], K, out)
            self.assertEqual(s["frames"]["presented"] + s["frames"]["discarded"], K - 1, out)
            self.assertEqual(s["frames"]["pending"], 1, out)
            self.assertEqual(s["errors"]["errors"], 0, out)
            fw.assert_clean_exit(fw.stop())

    def test_signal_error(self):
        with Compositor() as fw:
            res = fw.run_client(demo("--frames", "12", "--misbehave", "signal-error"),
                                check=False, timeout=120)
            out = res.stdout + res.stderr
            self.assertEqual(res.returncode, 0, out)
            s = demo_summary.parse(res.stdout)
            self.assertEqual(s["frames"]["frames"], 12, out)
            self.assertEqual(s["frames"]["presented"] + s["frames"]["discarded"], 12, out)
            self.assertEqual(s["errors"]["errors"], 0, out)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    explicit_sync_probe.skip_unless_offered(PROTOCOL)
    unittest.main()
