"""wayland-info against fenceway lists every global fenceway offers."""
import unittest

from fenceway import Compositor, skip_unless_programs

REQUIRED = [
    "wl_compositor", "wl_subcompositor", "wl_shm", "wl_data_device_manager",
    "wl_seat", "wl_output", "xdg_wm_base", "zxdg_output_manager_v1",
    "wp_presentation", "zwlr_screencopy_manager_v1", "wp_viewporter",
]


class Globals(unittest.TestCase):
    def test_every_global_listed(self):
        with Compositor() as fw:
            out, found = fw.wayland_globals()
            missing = [g for g in REQUIRED if g not in found]
            self.assertEqual(missing, [], "wayland-info:\n" + out)
            # pixman cannot import dma-bufs: linux-dmabuf must not be
            # offered (a client would fail creating buffers).
            self.assertNotIn("zwp_linux_dmabuf_v1", found)
            # wp_presentation tells its clock: CLOCK_MONOTONIC is 1.
            self.assertRegex(out, r"presentation clock id: 1 \(CLOCK_MONOTONIC\)")
            # The headless output has the default mode.
            self.assertRegex(out, r"width: 1280 px, height: 720 px, "
                             r"refresh: 60\.000 Hz")
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    skip_unless_programs("wayland-info")
    unittest.main()
