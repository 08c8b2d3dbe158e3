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
    def test_none_works(self):
        for way in WAYS:
            with self.subTest(**{k: str(v) for k, v in way.items()}):
                self.none_works(way)

    def none_works(self, way):
        with Compositor(**way) as fw:
            res = fw.run_client([DEMO, "--protocol", "none", "--frames", str(FRAMES)],
                                check=False, timeout=120)
            out = res.stdout + res.stderr
            self.assertEqual(res.returncode, 0, out)
            s = demo_summary.parse(res.stdout)
            demo_summary.check_accounting(self, s, FRAMES, out)
            self.assertGreaterEqual(s["releases"]["wl_buffer"], FRAMES - 1, out)
            fw.assert_clean_exit(fw.stop())

    def test_explicit_protocols_refused(self):
        for way in WAYS:
            with self.subTest(**{k: str(v) for k, v in way.items()}):
                self.explicit_refused(way)

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
