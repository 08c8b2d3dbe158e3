"""Helpers for the qemu lane's KMS tests: the virtio-gpu card, a seatd
session, fenceway's environment on wlroots' DRM backend, the kernel's KMS
state.  Standard library only; runs inside the guest."""
import os
import re
import signal
import subprocess
import time

# The only seatd path seatd 0.7 knows; the guest's /run is its own tmpfs.
SEATD_SOCK = "/run/seatd.sock"


def drm_card(driver="virtio_gpu"):
    """/dev/dri/cardN whose driver is @driver, chosen by driver (vgem may
    take card0), or None."""
    env = os.environ.get("FW_VM_CARD")
    if env and driver == "virtio_gpu":
        return env
    for name in sorted(os.listdir("/sys/class/drm")):
        if not re.fullmatch(r"card\d+", name):
            continue
        dev = os.path.join("/sys/class/drm", name, "device")
        drv = os.path.basename(os.path.realpath(os.path.join(dev, "driver")))
        if drv == "virtio-pci":   # the virtioN child has the real driver
            for sub in os.listdir(dev):
                link = os.path.join(dev, sub, "driver")
                if sub.startswith("virtio") and os.path.exists(link):
                    drv = os.path.basename(os.path.realpath(link))
        if drv == driver:
            return "/dev/dri/" + name
    return None


def kms_state(card):
    """The kernel's atomic state dump for @card (debugfs)."""
    minor = os.minor(os.stat(card).st_rdev)
    with open("/sys/kernel/debug/dri/%d/state" % minor) as f:
        return f.read()


def fenceway_env(card):
    """fenceway on wlroots' DRM backend on @card, in the seatd session
    (LIBSEAT_BACKEND=noop times out waiting for the session), pixman."""
    return {
        "WLR_BACKENDS": "drm",
        "WLR_DRM_DEVICES": card,
        "WLR_RENDERER": "pixman",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "LIBSEAT_BACKEND": "seatd",
    }


class Seatd:
    """seatd without a VT (SEATD_VTBOUND=0), as a context manager.  Only
    the process started here is ever signalled."""

    def __enter__(self):
        if os.path.exists(SEATD_SOCK):
            raise AssertionError("another seatd is running")
        env = dict(os.environ, SEATD_VTBOUND="0")
        self.proc = subprocess.Popen(["seatd", "-g", "root", "-l", "error"],
                                     env=env, stdin=subprocess.DEVNULL)
        for _ in range(1000):   # a bound for waiting, not a measured time
            if os.path.exists(SEATD_SOCK):
                return self
            if self.proc.poll() is not None:
                raise AssertionError("seatd exited with %s"
                                     % self.proc.returncode)
            time.sleep(0.01)
        self.__exit__(None, None, None)
        raise AssertionError("seatd made no socket")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False
