#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-wire (fuzz/fuzz-wire.c) into a directory.

Each seed is a short, mostly valid program in fuzz-wire's input language,
written with explicit object ids (op 12) so it reads as the requests it
sends.  Global indices are the order in which the compositor announces
its globals (fixed by compositor/server.c).  Usage: wire-seeds.py DIR
"""
import os
import struct
import sys

# Global indices in the registry, and the version byte giving the highest
# version (fuzz-wire binds version 1 + byte % version).
G_SHM, G_COMPOSITOR, G_SUBCOMPOSITOR = 0, 1, 2
G_PRESENTATION, G_WM_BASE = 7, 8
G_SYNCOBJ, G_EXPLICIT = 10, 11

NEW = 0x00        # a new id: the next free one
SERIAL = 0xff     # an integer: the last xdg_surface.configure serial
NULL = 0xff       # a nullable object: null
FD_TL = 0         # fd: timeline k (k << 3)
FD_SYNC_FILE = 1  # fd: sync file of timeline k, point 1 + (byte >> 5)
FD_SHM = 2
FD_DEVNULL = 3
FD_PIPE = 4
FD_EVENTFD = 5
FD_TL_RO = 6
FD_NONE = 7


def raw(v):
    """An integer argument of 32 raw bits."""
    return [0xe0] + list(struct.pack('<I', v & 0xffffffff))


def req(obj, opcode, *args):
    out = [12, obj, opcode]
    for a in args:
        out += a if isinstance(a, list) else [a]
    return out


def signal(k, point):
    return [13, k, point]


def fail(k):
    return [14, k, 0]


def frame():
    return [15, 0, 0]


class Client:
    """Tracks ids as fuzz-wire allocates them (2, 3, ... in order)."""

    def __init__(self):
        self.next_id = 2
        self.prog = []

    def new(self, *steps):
        self.prog += req(*steps)
        self.next_id += 1
        return self.next_id - 1

    def do(self, *steps):
        self.prog += req(*steps)

    def raw(self, steps):
        self.prog += steps

    def bind(self, registry, index, version_byte=0):
        return self.new(registry, 0, index, version_byte, NEW)

    def setup(self):
        """Registry, globals, a surface and a 16x16 shm buffer."""
        self.registry = self.new(1, 1, NEW)
        self.compositor = self.bind(self.registry, G_COMPOSITOR, 3)
        self.shm = self.bind(self.registry, G_SHM)
        self.wm_base = self.bind(self.registry, G_WM_BASE, 1)
        self.syncobj = self.bind(self.registry, G_SYNCOBJ)
        self.explicit = self.bind(self.registry, G_EXPLICIT, 1)
        self.presentation = self.bind(self.registry, G_PRESENTATION)
        self.subcompositor = self.bind(self.registry, G_SUBCOMPOSITOR)
        self.surface = self.new(self.compositor, 0, NEW)
        self.pool = self.new(self.shm, 0, NEW, FD_SHM, raw(65536))
        self.buffer = self.buffer_at(0)
        return self

    def buffer_at(self, offset):
        return self.new(self.pool, 0, NEW, raw(offset), 16, 16, raw(64), 0)

    def toplevel(self):
        """Makes the surface a mapped-to-be toplevel, configured and acked."""
        self.xdg_surface = self.new(self.wm_base, 2, NEW, 0)
        self.xdg_toplevel = self.new(self.xdg_surface, 1, NEW)
        self.do(self.xdg_toplevel, 2, 2)  # set_title "fuzz"
        self.do(self.surface, 6)          # initial commit
        self.raw(frame())
        self.do(self.xdg_surface, 4, SERIAL)

    def attach_commit(self, buffer_index=0):
        self.do(self.surface, 1, buffer_index, 0, 0)
        self.do(self.surface, 9, 0, 0, 16, 16)  # damage_buffer
        self.do(self.surface, 6)


def syncobj_surface(c, release_k=1):
    c.tl_acquire = c.new(c.syncobj, 2, NEW, FD_TL | 0 << 3)
    c.tl_release = c.new(c.syncobj, 2, NEW, FD_TL | release_k << 3)
    c.sync_surface = c.new(c.syncobj, 1, NEW, 0)
    return c


def points(c, acquire, release, acquire_tl=0, release_tl=1):
    c.do(c.sync_surface, 1, acquire_tl, 0, acquire)
    c.do(c.sync_surface, 2, release_tl, 0, release)


def seeds():
    s = {}

    c = Client().setup()
    s['setup-only'] = c.prog

    c = Client().setup()
    c.toplevel()
    c.attach_commit()
    c.raw(frame())
    s['shm-toplevel'] = c.prog

    # wp_linux_drm_syncobj_v1
    c = syncobj_surface(Client().setup())
    c.toplevel()
    points(c, 1, 1)
    c.attach_commit()
    c.raw(signal(0, 1) + frame() + frame())
    s['syncobj-signal-present'] = c.prog

    c = syncobj_surface(Client().setup())
    c.toplevel()
    points(c, 1, 1)
    c.attach_commit()
    c.raw(frame())
    s['syncobj-held-never-signalled'] = c.prog

    c = syncobj_surface(Client().setup())
    c.toplevel()
    points(c, 3, 1)
    c.attach_commit()
    c.do(c.tl_acquire, 0)   # destroy the timeline object while held
    c.raw(signal(0, 3) + frame())
    s['syncobj-destroy-timeline-held'] = c.prog

    c = syncobj_surface(Client().setup())
    c.toplevel()
    points(c, 1, 1)
    c.attach_commit()
    c.raw(fail(0) + frame())
    s['syncobj-acquire-failed'] = c.prog

    c = syncobj_surface(Client().setup())
    c.toplevel()
    b2 = c.buffer_at(1024)
    for i in range(1, 6):
        points(c, i, i)
        c.attach_commit(i % 2)
    c.raw(signal(0, 2) + frame() + signal(0, 5) + frame())
    s['syncobj-queue'] = c.prog
    del b2

    c = syncobj_surface(Client().setup())
    c.toplevel()
    points(c, 1, 1)
    c.attach_commit()
    c.do(c.surface, 0)  # destroy the surface with a held commit
    c.raw(signal(0, 1) + frame())
    s['syncobj-destroy-surface-held'] = c.prog

    c = syncobj_surface(Client().setup())
    points(c, 1, 1)
    c.do(c.surface, 6)  # points without a buffer
    s['syncobj-points-no-buffer'] = c.prog

    c = syncobj_surface(Client().setup())
    c.attach_commit()   # buffer without points
    s['syncobj-buffer-no-points'] = c.prog

    c = syncobj_surface(Client().setup())
    points(c, 1, 1, 0, 0)  # the same point for acquire and release
    c.attach_commit()
    s['syncobj-same-point'] = c.prog

    c = syncobj_surface(Client().setup())
    c.do(c.sync_surface, 1, 0, raw(0xffffffff), raw(0xffffffff))
    c.do(c.sync_surface, 2, 1, raw(0xffffffff), raw(0xffffffff))
    c.attach_commit()
    s['syncobj-max-point'] = c.prog

    c = syncobj_surface(Client().setup())
    c.new(c.syncobj, 1, NEW, 0)  # a second sync surface: surface_exists
    s['syncobj-surface-exists'] = c.prog

    c = syncobj_surface(Client().setup())
    c.do(c.surface, 0)
    points(c, 1, 1)  # no_surface
    s['syncobj-no-surface'] = c.prog

    for name, fd in (('read-only', FD_TL_RO), ('devnull', FD_DEVNULL),
                     ('pipe', FD_PIPE), ('eventfd', FD_EVENTFD),
                     ('shm', FD_SHM), ('sync-file', FD_SYNC_FILE),
                     ('no-fd', FD_NONE)):
        c = Client().setup()
        c.new(c.syncobj, 2, NEW, fd)
        s['syncobj-import-' + name] = c.prog

    c = Client().setup()
    for i in range(8):
        c.new(c.syncobj, 2, NEW, FD_TL | (i % 4) << 3)
    s['syncobj-import-many'] = c.prog

    c = syncobj_surface(Client().setup())
    c.do(c.syncobj, 0)  # manager gone, objects stay
    points(c, 1, 1)
    c.attach_commit()
    c.raw(signal(0, 1) + frame())
    s['syncobj-manager-destroyed'] = c.prog

    c = syncobj_surface(Client().setup())
    c.do(c.sync_surface, 0)
    c.attach_commit()
    s['syncobj-surface-destroyed'] = c.prog

    # zwp_linux_explicit_synchronization_v1
    def explicit(c):
        c.surface_sync = c.new(c.explicit, 1, NEW, 0)
        return c

    c = explicit(Client().setup())
    c.toplevel()
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.new(c.surface_sync, 2, NEW)
    c.attach_commit()
    c.raw(signal(0, 1) + frame() + frame())
    s['explicit-fence-signal'] = c.prog

    c = explicit(Client().setup())
    c.toplevel()
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.new(c.surface_sync, 2, NEW)
    c.attach_commit()
    c.raw(frame())
    s['explicit-fence-held'] = c.prog

    c = explicit(Client().setup())
    c.toplevel()
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.attach_commit()
    c.raw(fail(0) + frame())
    s['explicit-fence-failed'] = c.prog

    for name, fd in (('devnull', FD_DEVNULL), ('pipe', FD_PIPE),
                     ('timeline', FD_TL), ('no-fd', FD_NONE)):
        c = explicit(Client().setup())
        c.do(c.surface_sync, 1, fd)
        c.attach_commit()
        s['explicit-fence-' + name] = c.prog

    c = explicit(Client().setup())
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.do(c.surface_sync, 1, FD_SYNC_FILE)  # duplicate_fence
    s['explicit-fence-twice'] = c.prog

    c = explicit(Client().setup())
    c.new(c.surface_sync, 2, NEW)
    c.new(c.surface_sync, 2, NEW)  # duplicate_release
    s['explicit-release-twice'] = c.prog

    c = explicit(Client().setup())
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.do(c.surface, 6)  # fence without a buffer
    s['explicit-fence-no-buffer'] = c.prog

    c = explicit(Client().setup())
    c.new(c.explicit, 1, NEW, 0)  # synchronization_exists
    s['explicit-exists'] = c.prog

    c = explicit(Client().setup())
    c.do(c.surface, 0)
    c.do(c.surface_sync, 1, FD_SYNC_FILE)  # no_surface
    s['explicit-no-surface'] = c.prog

    c = explicit(syncobj_surface(Client().setup()))
    points(c, 1, 1)
    c.do(c.surface_sync, 1, FD_SYNC_FILE)
    c.attach_commit()
    s['both-protocols-one-surface'] = c.prog

    # the rest of what the explicit-sync paths meet
    c = syncobj_surface(Client().setup())
    c.toplevel()
    child = c.new(c.compositor, 0, NEW)
    sub = c.new(c.subcompositor, 1, NEW, 1, 0)  # child of the surface
    c.do(sub, 4)  # set_sync
    c.do(child, 1, 0, 0, 0)
    c.do(child, 6)
    c.new(c.syncobj, 1, NEW, 1)  # sync object of the child
    c.raw(frame())
    points(c, 1, 1)
    c.attach_commit()
    c.raw(signal(0, 1) + frame())
    s['syncobj-subsurface-sync'] = c.prog

    c = syncobj_surface(Client().setup())
    c.toplevel()
    c.new(c.presentation, 1, 0, NEW)
    c.new(c.surface, 3, NEW)  # frame callback
    points(c, 1, 1)
    c.attach_commit()
    c.raw(signal(0, 1) + frame() + frame())
    s['syncobj-feedback-frame'] = c.prog

    c = Client().setup()
    region = c.new(c.compositor, 1, NEW)
    c.do(region, 1, 0, 0, 8, 8)
    c.do(c.surface, 4, 0)
    c.do(c.surface, 7, 1)
    c.do(c.surface, 8, 2)
    c.do(c.surface, 6)
    s['surface-state'] = c.prog

    c = Client().setup()
    c.do(c.buffer, 0)
    c.do(c.pool, 2, raw(131072))
    c.do(c.pool, 1)
    c.attach_commit()
    s['shm-pool-lifecycle'] = c.prog

    c = Client().setup()
    c.raw([12, 200, 0, 0])  # a request to an id never made
    s['unknown-object'] = c.prog

    c = Client()
    c.new(1, 0, NEW)  # wl_display.sync
    c.raw([12, 1, 0xf8])  # an opcode wl_display lacks
    s['display-bad-opcode'] = c.prog
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, prog in seeds().items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes(prog))


if __name__ == '__main__':
    main()
