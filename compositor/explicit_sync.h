/*
 * Explicit synchronization in fenceway: the public face of the module.
 *
 * Two protocols, one behaviour (docs/explicit-sync.md):
 *   wp_linux_drm_syncobj_manager_v1        (linux_drm_syncobj_v1.c)
 *   zwp_linux_explicit_synchronization_v1  (linux_explicit_sync_v1.c)
 * A client hands an acquire fence with each buffer; fenceway has the commit
 * tracker (commit.h) hold that one surface's commit until the fence
 * signals, and hands back a release once the tracker retires the commit.
 *
 * The module plugs into the compositor through modules.h.  It owns
 * everything it creates (globals, the fence loop, its subscriptions to the
 * commit tracker, an optional DRM fd) and frees it in its finish callback.
 *
 * Kill switch: FENCEWAY_NO_EXPLICIT_SYNC=1 in the environment (main.c sets
 * it for --no-explicit-sync) hides both globals; the module then does
 * nothing at all.
 */
#ifndef FENCEWAY_EXPLICIT_SYNC_H
#define FENCEWAY_EXPLICIT_SYNC_H

#include "modules.h"

/* Static data; listed in fw_builtin_modules[] (modules.c). */
extern const struct fw_module fw_explicit_sync_module;

/* The environment variable of the kill switch. */
#define FW_NO_EXPLICIT_SYNC_ENV "FENCEWAY_NO_EXPLICIT_SYNC"

#endif
