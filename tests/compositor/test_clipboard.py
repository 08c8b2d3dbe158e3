"""The clipboard with wl-clipboard, a real third-party client, and no
--test-input: the seat always has a keyboard (the headless one, or one
added to a nested session), whose enter serial lets wl-copy set the
selection; wl-paste reads back what wl-copy offers."""
import unittest

from fenceway import Compositor, skip_unless_programs

TEXT = "fenceway clipboard \u00e9\u00e8 1234"


def copy_and_paste(test, fw):
    # --foreground: wl-copy serves the selection from the process we
    # started (and stop), instead of a detached child.
    fw.spawn_client(["wl-copy", "--foreground", TEXT])

    def pasted():
        res = fw.run_client(["wl-paste", "--no-newline"], check=False)
        return res.stdout if res.returncode == 0 and res.stdout else None
    test.assertEqual(fw.wait_for(pasted, "wl-paste to print the copy"), TEXT)


class Clipboard(unittest.TestCase):
    def test_headless(self):
        with Compositor() as fw:
            fw.wait_for_log(r"no keyboard from the backend: added a headless")
            copy_and_paste(self, fw)
            fw.assert_clean_exit(fw.stop())

    def test_nested(self):
        with Compositor() as outer:
            with Compositor(headless=False, env={
                    "WAYLAND_DISPLAY": outer.socket_path}) as inner:
                self.assertRegex(inner.log(), r"Creating wayland backend")
                copy_and_paste(self, inner)
                inner.assert_clean_exit(inner.stop())
            outer.assert_clean_exit(outer.stop())


if __name__ == "__main__":
    skip_unless_programs("wl-copy", "wl-paste")
    unittest.main()
