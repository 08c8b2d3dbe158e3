"""A compositor started with explicit sync disabled (the environment
variable FENCEWAY_NO_EXPLICIT_SYNC=1, or --no-explicit-sync):
--protocol none still works (releases by wl_buffer.release), and a demo
asking for an explicit protocol fails cleanly, saying what is missing,
instead of hanging or crashing.
"""
import os
import unittest

from fenceway import Compositor
import demo_summary

DEMO = os.environ["FW_DEMO"]
FRAMES = 40
# Both ways of switching it off.
WAYS = [{"env": {"FENCEWAY_NO_EXPLICIT_SYNC": "1"}},
        {"args": ["--no-explicit-sync"]}]


class NoExplicitSync(unittest.TestCase):
    def for_each_way(self, check):
        """check(way) for each way of switching explicit sync off."""
        for way in WAYS:
            with self.subTest(**{k: str(v) for k, v in way.items()}):
                check(way)

    def test_none_works(self):
        self.for_each_way(self.none_works)

    def none_works(self, way):
        with Compositor(**way) as fw:
            s, out = demo_summary.run_accounted(
                self, fw, [DEMO, "--protocol", "none"], FRAMES)
            self.assertGreaterEqual(s["releases"]["wl_buffer"], FRAMES - 1, out)
            fw.assert_clean_exit(fw.stop())

    def test_explicit_protocols_refused(self):
        self.for_each_way(self.explicit_refused)

    def explicit_refused(self, way):
        with Compositor(**way) as fw:
            for protocol, name in [("syncobj", "wp_linux_drm_syncobj_manager_v1"),
                                   ("syncfile", "zwp_linux_explicit_synchronization_v1")]:
                res = fw.run_client([DEMO, "--protocol", protocol, "--frames", "5"],
                                    check=False)
                self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
                self.assertIn("offers no " + name, res.stderr)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    unittest.main()
