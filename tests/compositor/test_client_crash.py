"""A client killed mid-session (SIGKILL: no goodbye, half-written state)
does not take the compositor down: others keep working and shutdown is
still clean."""
import signal
import socket
import struct
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

    def test_junk_on_the_socket(self):
        # Garbage instead of Wayland messages, a request on an object that
        # does not exist, and a truncated message: each such client is cut
        # off by libwayland, the compositor stays up.
        junk = [
            struct.pack("=IHH", 77, 0, 8),                 # unknown object
            struct.pack("=IHH", 1, 200, 8),                # bad opcode
        ]
        with Compositor() as fw:
            fw.spawn_client(["weston-simple-shm"])
            fw.wait_for_toplevels(1)
            for payload in junk:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(fw.socket_path)
                s.sendall(payload)
                s.settimeout(fw.timeout)
                try:
                    while s.recv(4096):   # until the compositor hangs up
                        pass
                except ConnectionResetError:
                    pass
                s.close()
            # Half a message, or a header claiming 64 KiB, then gone: the
            # compositor waits for the rest (without blocking anyone) and
            # then sees the hangup.
            for payload in [struct.pack("=IHH", 1, 1, 12) + b"\x02\x00",
                            b"\xff" * 64]:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(fw.socket_path)
                s.sendall(payload)
                s.close()
            fw.run_client(["wayland-info"])
            self.assertTrue(fw.alive())
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("weston-simple-shm", "weston-presentation-shm",
                         "wayland-info", "grim")
    unittest.main()
