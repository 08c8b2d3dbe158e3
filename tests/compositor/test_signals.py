"""SIGTERM and SIGINT: clean shutdown, exit status 0, the socket and its
lock file removed, connected clients disconnected."""
import os
import signal
import unittest

from fenceway import Compositor, skip_unless_programs


class Signals(unittest.TestCase):
    def shutdown_with(self, sig):
        with Compositor() as fw:
            client = fw.spawn_client(["weston-simple-shm"])
            fw.wait_for_toplevels(1)
            self.assertTrue(os.path.exists(fw.socket_path))
            status = fw.stop(sig)
            fw.assert_clean_exit(status)
            self.assertFalse(os.path.exists(fw.socket_path),
                             "socket left behind")
            self.assertFalse(os.path.exists(fw.socket_path + ".lock"),
                             "lock file left behind")
            # The client lost its connection and exits on its own (it is
            # not signalled by us before this point).
            client.wait(fw.timeout)
            self.assertIn("caught %s" % signal.Signals(sig).name, fw.log())

    def test_sigterm(self):
        self.shutdown_with(signal.SIGTERM)

    def test_sigint(self):
        self.shutdown_with(signal.SIGINT)


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm")
    unittest.main()
