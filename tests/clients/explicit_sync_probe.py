"""Does this build's compositor offer the explicit-sync global a demo
protocol needs?  Asked with wayland-info (a real third-party client).

The explicit-sync globals are their own piece of work; while a build lacks
them, a test file that needs them exits with meson's skip status (77) --
listed by name as skipped, never counted as passed -- and the `none`
protocol is always tested.
"""
import shutil
import sys

from fenceway import Compositor

GLOBALS = {
    "syncobj": "wp_linux_drm_syncobj_manager_v1",
    "syncfile": "zwp_linux_explicit_synchronization_v1",
}


def offers(fw, interface):
    if shutil.which("wayland-info") is None:
        raise AssertionError("wayland-info is missing (tools/setup.sh installs it)")
    return interface in fw.wayland_globals()[1]


def skip_unless_offered(*protocols):
    """Exit 77 unless a default-started fenceway offers every global."""
    needed = [GLOBALS[p] for p in protocols if p in GLOBALS]
    if not needed:
        return
    with Compositor() as fw:
        missing = [n for n in needed if not offers(fw, n)]
        fw.stop()
    if missing:
        print("SKIP: this build of fenceway offers no " + ", ".join(missing))
        sys.exit(77)
