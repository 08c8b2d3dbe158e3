"""fenceway-demo-egl (GLES2 on Mesa EGL; llvmpipe here) against the
headless compositor: N frames, exit 0, every frame accounted for, and it
says which acquire path it took -- the native EGL fence where the driver
has EGL_ANDROID_native_fence_sync, the sync/ fallback otherwise.
argv[1]: syncfile or none.
"""
import os
import sys
import unittest

from fenceway import Compositor
import demo_summary
import explicit_sync_probe

PROTOCOL = "syncfile"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    PROTOCOL = sys.argv.pop(1)
FRAMES = 40
DEMO_EGL = os.environ.get("FW_DEMO_EGL")


class EglDemo(unittest.TestCase):
    def test_frames(self):
        with Compositor() as fw:
            s, out = demo_summary.run_accounted(
                self, fw, [DEMO_EGL, "--protocol", PROTOCOL], FRAMES,
                env={"LIBGL_ALWAYS_SOFTWARE": "1"}, timeout=180)
            egl = s["egl"]
            if PROTOCOL == "none":
                self.assertEqual(egl["acquire-path"], "none", out)
            elif egl["native-fence-sync"] == "yes":
                self.assertEqual(egl["acquire-path"], "native-fence", out)
            else:
                self.assertEqual(egl["acquire-path"], "sync-fallback", out)
                # The fallback knows when it signalled: no frame was
                # shown before that.
                self.assertEqual(s["errors"]["early-presents"], 0, out)
            if PROTOCOL == "syncfile":
                rel = s["releases"]
                self.assertGreaterEqual(rel["fenced"] + rel["immediate"], FRAMES - 1, out)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    if not DEMO_EGL:
        print("SKIP: fenceway-demo-egl was not built (no EGL/GLESv2/wayland-egl)")
        sys.exit(77)
    explicit_sync_probe.skip_unless_offered(PROTOCOL)
    unittest.main()
