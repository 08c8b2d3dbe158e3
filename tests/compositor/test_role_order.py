"""The defunct_role_object rule (docs/compositor.md, "A surface outlived
by its role object"), from a real client on a real socket: a client that
destroys a wl_surface while its xdg_toplevel (or xdg_popup) lives gets
wl_surface error 4 on that surface, with a message that names the rule
first; a client connected at the same time keeps working (its roundtrip
succeeds), and so does the compositor.
"""
import os
import re
import unittest

from fenceway import Compositor

BUILD = os.environ["FW_TEST_BUILD_DIR"]
CLIENT = os.path.join(BUILD, "fw-test-role-order-client")
MESSAGE = ("defunct_role_object: wl_surface destroyed before its "
           "xdg_toplevel/xdg_popup")


class RoleOrder(unittest.TestCase):
    def check(self, role):
        with Compositor() as fw:
            res = fw.run_client([CLIENT, role])
            out = res.stdout + res.stderr
            victim = re.search(r"destroying wl_surface@(\d+) before its "
                               r"xdg_%s$" % role, res.stdout, re.M)
            self.assertIsNotNone(victim, out)
            self.assertRegex(res.stdout, r"(?m)^culprit: wl_surface@%s "
                             r"error 4$" % victim.group(1))
            # libwayland's line for the error it received, with the text.
            self.assertRegex(res.stderr, r"(?m)^wl_surface@%s: error 4: %s$"
                             % (victim.group(1), re.escape(MESSAGE)))
            self.assertRegex(res.stdout, r"(?m)^bystander: roundtrip ok$")
            # The compositor serves new clients after it.
            fw.run_client([CLIENT, role])
            fw.assert_clean_exit(fw.stop())

    def test_toplevel(self):
        self.check("toplevel")

    def test_popup(self):
        self.check("popup")


if __name__ == "__main__":
    unittest.main()
