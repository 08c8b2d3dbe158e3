"""Window management seen by clients: a new toplevel is focused
(activated, and the seat's keyboard, there without --test-input, enters
it) and the previous one loses it; when the focused one goes, the
next one down the stack gets it back; a maximize request is honoured (the
window covers the output, drawn at the configured size)."""
import os
import re
import signal
import unittest

from fenceway import Compositor, skip_unless_programs

CLIENT = os.path.join(os.environ.get("FW_TEST_BUILD_DIR", "."),
                      "fw-test-toplevel-client")
CONF = re.compile(r"^configure (\d+)x(\d+) activated=(\d) maximized=(\d) "
                  r"fullscreen=(\d)$", re.M)
KEYBOARD = re.compile(r"^keyboard (enter|leave)$", re.M)


def last_configure(text):
    found = CONF.findall(text)
    return tuple(int(v) for v in found[-1]) if found else None


class Focus(unittest.TestCase):
    def wait_state(self, fw, proc, pred, what):
        return fw.wait_for(
            lambda: (lambda st: st if st and pred(st) else None)(
                last_configure(fw.client_output(proc))), what)

    def test_focus_follows_new_and_closed_windows(self):
        with Compositor() as fw:
            a = fw.spawn_client([CLIENT, "0xff0000"])
            self.wait_state(fw, a, lambda st: st[2] == 1, "A activated")
            # No --test-input: the seat's keyboard is the headless one.
            fw.wait_for(lambda: KEYBOARD.findall(fw.client_output(a)) ==
                        ["enter"], "A's keyboard enter")
            b = fw.spawn_client([CLIENT, "0x00ff00"])
            self.wait_state(fw, b, lambda st: st[2] == 1, "B activated")
            self.wait_state(fw, a, lambda st: st[2] == 0, "A deactivated")
            fw.wait_for(lambda: KEYBOARD.findall(fw.client_output(a)) ==
                        ["enter", "leave"], "A's keyboard leave")
            fw.wait_for(lambda: KEYBOARD.findall(fw.client_output(b)) ==
                        ["enter"], "B's keyboard enter")
            first, second = fw.wait_for_toplevels(2)[:2]
            # Each is drawn where the log says (side by side).
            img = fw.capture()
            self.assertEqual(img.pixel_u32(second["x"] + 5, second["y"] + 5),
                             0x00ff00)
            self.assertEqual(img.pixel_u32(first["x"] + 5, first["y"] + 5),
                             0xff0000)
            # B goes away: A is focused again.
            b.send_signal(signal.SIGKILL)
            b.wait(fw.timeout)
            self.wait_state(fw, a, lambda st: st[2] == 1, "A re-activated")
            fw.wait_for(lambda: KEYBOARD.findall(fw.client_output(a)) ==
                        ["enter", "leave", "enter"], "A's keyboard re-enter")
            fw.assert_clean_exit(fw.stop())

    def test_maximize_request(self):
        with Compositor() as fw:
            c = fw.spawn_client([CLIENT, "0x2040c0", "maximize"])
            st = self.wait_state(fw, c, lambda st: st[3] == 1,
                                 "a maximized configure")
            self.assertEqual(st[:2], (1280, 720))
            fw.wait_for_log(r"toplevel 1 maximized on")

            def covered():
                img = fw.capture()
                return all(img.pixel_u32(x, y) == 0x2040c0 for x, y in
                           [(0, 0), (1279, 0), (0, 719), (1279, 719),
                            (640, 360)])
            fw.wait_for(covered, "the maximized window covering the output")
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("grim")
    unittest.main()
