"""Demos side by side on one headless output, checked on a screenshot
(see screenshot.py).  argv[1] picks the mix:
  implicit  three shm demos with --protocol none plus the GLES2 demo
            (works on any build)
  explicit  syncobj, syncfile and none shm demos with different GPU
            latencies, and the GLES2 demo with its acquire fence
"""
import os
import sys
import unittest

from fenceway import Compositor
import explicit_sync_probe
import screenshot

MIX = "implicit"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    MIX = sys.argv.pop(1)
DEMO = os.environ["FW_DEMO"]
DEMO_EGL = os.environ.get("FW_DEMO_EGL")


class SideBySide(unittest.TestCase):
    def test_colours(self):
        if MIX == "explicit":
            demos = [
                ("red-syncobj", 0xd02020, [DEMO, "--protocol", "syncobj", "--latency", "4"]),
                ("green-syncfile", 0x20c040, [DEMO, "--protocol", "syncfile", "--latency", "12"]),
                ("blue-none", 0x2040e0, [DEMO, "--protocol", "none", "--latency", "1"]),
            ]
            egl_protocol = "syncfile"
        else:
            demos = [
                ("red", 0xd02020, [DEMO, "--protocol", "none", "--latency", "4"]),
                ("green", 0x20c040, [DEMO, "--protocol", "none", "--latency", "12"]),
                ("blue", 0x2040e0, [DEMO, "--protocol", "none", "--buffers", "2"]),
            ]
            egl_protocol = "none"
        if DEMO_EGL:
            demos.append(("yellow-egl", 0xe0d020, [DEMO_EGL, "--protocol", egl_protocol]))
        with Compositor() as fw:
            screenshot.run_side_by_side(self, fw, demos)
            fw.assert_clean_exit(fw.stop())


if __name__ == "__main__":
    if MIX == "explicit":
        explicit_sync_probe.skip_unless_offered("syncobj", "syncfile")
    unittest.main()
