"""A client killed mid-session (SIGKILL: no goodbye, half-written state)
does not take the compositor down: others keep working and shutdown is
still clean."""
import signal
import unittest

from fenceway import Compositor, skip_unless_programs


class ClientCrash(unittest.TestCase):
    def test_sigkill_client(self):
        with Compositor() as fw:
            victim = fw.spawn_client(["weston-simple-shm"])
            fw.wait_for_toplevels(1)
            other = fw.spawn_client(["weston-presentation-shm", "-p"])
            fw.wait_for_toplevels(2)
            # Kill it while it is drawing frames.
            victim.send_signal(signal.SIGKILL)
            victim.wait(fw.timeout)
            # The compositor is alive and serves new clients ...
            fw.run_client(["wayland-info"])
            fw.spawn_client(["weston-simple-shm"])
            fw.wait_for_toplevels(3)
            self.assertTrue(fw.alive())
            # ... and the survivor was never disturbed.
            self.assertIsNone(other.poll())
            img = fw.capture()
            self.assertEqual(img.width, 1280)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm", "weston-presentation-shm",
                         "wayland-info", "grim")
    unittest.main()
