"""Window management driven by real input: fenceway --test-input offers
wlroots' virtual pointer and keyboard, and fw-test-input-client drives
them.  A click on a window raises it (pixels where two windows overlap)
and gives it keyboard focus (the client sees wl_keyboard.enter, the other
one leave); Alt+left-drag moves a window; Alt+Escape quits with status 0.
Without the switch the globals are not offered at all."""
import os
import re
import signal
import subprocess
import unittest

from fenceway import Compositor, skip_unless_programs

BUILD = os.environ.get("FW_TEST_BUILD_DIR", ".")
TOPLEVEL = os.path.join(BUILD, "fw-test-toplevel-client")
INPUT = os.path.join(BUILD, "fw-test-input-client")
# An output too small for two 64x64 windows side by side, so the second
# one cascades over the first (placement avoids overlap while it can).
SIZE = "120x120"
RED, GREEN = 0xff0000, 0x00ff00
VIRTUAL = {"zwlr_virtual_pointer_manager_v1",
           "zwp_virtual_keyboard_manager_v1"}
KEYBOARD_LINE = re.compile(r"^keyboard (enter|leave)$", re.M)
POINTER_LINE = re.compile(r"^pointer (enter|leave) ?(\d+,\d+)?$", re.M)
CONF = re.compile(r"^configure \d+x\d+ activated=(\d)", re.M)


class Devices:
    """fw-test-input-client kept running: its virtual pointer and keyboard
    stay plugged in between steps, as real devices would."""

    def __init__(self, fw, pointer_only=False):
        argv = [INPUT, SIZE] + (["pointer"] if pointer_only else [])
        self.proc = subprocess.Popen(argv, env=fw.client_env(),
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.expect("ready")

    def expect(self, word):
        line = self.proc.stdout.readline().strip()
        if line != word:
            raise AssertionError("input client said %r, not %r"
                                 % (line, word))

    def play(self, *commands):
        """Send one line of commands; returns once each one is done, that
        is, the compositor has handled it."""
        self.proc.stdin.write(" ".join(commands) + "\n")
        self.proc.stdin.flush()
        for c in commands:
            if c in ("move", "press", "release", "keydown", "keyup"):
                self.expect("done " + c)

    def close(self, timeout):
        """End of input: the client frees everything and exits."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode


class Input(unittest.TestCase):
    def pointer_events(self, fw, proc):
        return [" ".join(m) if m[1] else m[0]
                for m in POINTER_LINE.findall(fw.client_output(proc))]

    def keyboard_events(self, fw, proc):
        return KEYBOARD_LINE.findall(fw.client_output(proc))

    def activated(self, fw, proc):
        found = CONF.findall(fw.client_output(proc))
        return bool(found) and found[-1] == "1"

    def test_off_by_default(self):
        with Compositor() as fw:
            _, names = fw.wayland_globals()
            self.assertFalse(VIRTUAL & names)
            res = fw.run_client([INPUT, SIZE], check=False)
            self.assertNotIn("ready", res.stdout)
            self.assertEqual(res.returncode, 2, res.stderr)
            fw.assert_clean_exit(fw.stop())

    def test_env_switch(self):
        with Compositor(env={"FENCEWAY_TEST_INPUT": "1"}) as fw:
            _, names = fw.wayland_globals()
            self.assertEqual(VIRTUAL & names, VIRTUAL)
            fw.wait_for_log(r"test input on")
            fw.assert_clean_exit(fw.stop())

    def two_windows(self, fw):
        """A (red) and B (green) mapped, B focused and drawn over A.
        Returns the clients, A's corner, a point in the overlap and one in
        the part of A that B does not cover."""
        a = fw.spawn_client([TOPLEVEL, "0x%06x" % RED])
        fw.wait_for_toplevels(1)
        b = fw.spawn_client([TOPLEVEL, "0x%06x" % GREEN])
        ta, tb = fw.wait_for_toplevels(2)[:2]
        fw.wait_for(lambda: self.activated(fw, b), "B activated")
        # B (newer) lies over A; both are 64x64, cascaded 32 apart.
        self.assertEqual((ta["x"], ta["y"]), (0, 0))
        ax, ay, bx, by = ta["x"], ta["y"], tb["x"], tb["y"]
        self.assertEqual((bx - ax, by - ay), (32, 32))
        overlap = (bx + 16, by + 16)
        a_only = (ax + 8, ay + 8)
        fw.wait_for(lambda: fw.capture().pixel_u32(*overlap) == GREEN,
                    "B drawn over A")
        return a, b, (ax, ay), overlap, a_only

    def test_pointer_click_leak_checked(self):
        """A virtual pointer alone (the leak in wlroots is the virtual
        keyboard's): click to raise, then shut down with the device still
        plugged in, leak-checked in sanitizer builds."""
        with Compositor(args=["--test-input", "--output", SIZE]) as fw:
            a, b, _, overlap, a_only = self.two_windows(fw)
            dev = Devices(fw, pointer_only=True)
            try:
                dev.play("move", str(a_only[0]), str(a_only[1]),
                         "press", "release")
                fw.wait_for(lambda: self.activated(fw, a), "A activated")
                fw.wait_for(lambda: fw.capture().pixel_u32(*overlap) == RED,
                            "A raised over B")
                fw.wait_for(lambda: not self.activated(fw, b),
                            "B deactivated")
                # fenceway goes first: it destroys the device at shutdown.
                fw.assert_clean_exit(fw.stop())
            finally:
                dev.close(fw.timeout)

    def test_pointer_focus_follows_the_scene(self):
        """The pointer stays put; windows map, raise and unmap under it:
        each time the window under it gets the enter, without a motion."""
        with Compositor(args=["--test-input", "--output", SIZE]) as fw:
            dev = Devices(fw, pointer_only=True)
            try:
                dev.play("move", "40", "40")
                # A maps at 0,0 under the pointer.
                a = fw.spawn_client([TOPLEVEL, "0x%06x" % RED])
                fw.wait_for(lambda: self.pointer_events(fw, a) ==
                            ["enter 40,40"], "A's pointer enter")
                # B cascades to 32,32, on top of A, under the pointer.
                b = fw.spawn_client([TOPLEVEL, "0x%06x" % GREEN])
                fw.wait_for(lambda: self.pointer_events(fw, b) ==
                            ["enter 8,8"], "B's pointer enter")
                fw.wait_for(lambda: self.pointer_events(fw, a) ==
                            ["enter 40,40", "leave"], "A's pointer leave")
                # B goes: A is under the pointer again.
                b.send_signal(signal.SIGKILL)
                b.wait(fw.timeout)
                fw.wait_for(lambda: self.pointer_events(fw, a) ==
                            ["enter 40,40", "leave", "enter 40,40"],
                            "A's pointer enter after B unmapped")
                fw.assert_clean_exit(fw.stop())
            finally:
                dev.close(fw.timeout)

    def test_click_focus_drag_and_quit(self):
        # leak_check=False: wlroots 0.15 leaks the wlr_keyboard of every
        # virtual keyboard (create_virtual_keyboard callocs it, and its
        # keyboard_impl.destroy is empty, so wlr_keyboard_destroy never
        # frees it; fixed in 0.16 by embedding it).  The stack runs through
        # wl_display_run in fenceway's main(), so the policy forbids a
        # suppression.  Address and UB checks stay on here, and the other
        # tests, which make no virtual keyboard, keep the leak check.
        with Compositor(args=["--test-input", "--output", SIZE],
                        leak_check=False) as fw:
            a, b, (ax, ay), overlap, a_only = self.two_windows(fw)
            dev = Devices(fw)
            try:
                self.drive(fw, dev, a, b, ax, ay, overlap, a_only)
            finally:
                status = dev.close(fw.timeout)
            # The compositor hung up on it after Alt+Escape, or not yet.
            self.assertIn(status, (0, 3))
            try:
                fw.proc.wait(fw.timeout)
            except subprocess.TimeoutExpired:
                self.fail("fenceway still runs after Alt+Escape")
            self.assertIn("Alt+Escape: quitting", fw.log())
            fw.assert_clean_exit(fw.stop())

    def drive(self, fw, dev, a, b, ax, ay, overlap, a_only):
        # The seat has a keyboard from the start (the headless one): A was
        # entered when it mapped and left for B when B mapped.
        fw.wait_for(lambda: self.keyboard_events(fw, b) == ["enter"],
                    "B's keyboard enter")
        self.assertEqual(self.keyboard_events(fw, a), ["enter", "leave"])

        # Click into the part of A that B does not cover.
        dev.play("move", str(a_only[0]), str(a_only[1]), "press", "release")
        fw.wait_for(lambda: self.keyboard_events(fw, a) ==
                    ["enter", "leave", "enter"],
                    "A's keyboard enter after the click")
        fw.wait_for(lambda: self.keyboard_events(fw, b) == ["enter", "leave"],
                    "B's keyboard leave")
        fw.wait_for(lambda: self.activated(fw, a), "A activated")
        fw.wait_for(lambda: fw.capture().pixel_u32(*overlap) == RED,
                    "A raised over B")

        # Alt held, drag A by (+50, +50) from where it was grabbed.
        dx, dy = 50, 50
        dev.play("keydown", "alt", "press",
                 "move", str(a_only[0] + dx), str(a_only[1] + dy),
                 "release", "keyup", "alt")

        def moved():
            img = fw.capture()
            return (img.pixel_u32(ax + dx + 2, ay + dy + 2) == RED and
                    img.pixel_u32(ax + dx + 61, ay + dy + 61) == RED and
                    img.pixel_u32(ax + 2, ay + 2) != RED and
                    img.pixel_u32(*overlap) == GREEN)
        fw.wait_for(moved, "A at its new place, B uncovered")
        # The drag was the compositor's: no focus changed hands.
        self.assertEqual(self.keyboard_events(fw, a),
                         ["enter", "leave", "enter"])
        self.assertEqual(self.keyboard_events(fw, b), ["enter", "leave"])

        # Alt+Escape: fenceway quits by itself.  Whether the client still
        # sees its roundtrips answered depends on who is faster; not read.
        dev.proc.stdin.write("keydown alt keydown esc\n")
        dev.proc.stdin.flush()


if __name__ == "__main__":
    skip_unless_programs("grim", "wayland-info")
    unittest.main()
