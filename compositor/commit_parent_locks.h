/*
 * Parent locks: a held commit of a synchronized subsurface also holds the
 * next commit of every ancestor that would apply it, so the tree appears
 * together.  A leaf of commit.c (the only caller); it calls nothing of
 * fenceway's.
 *
 * Ownership: a lock set belongs to the held commit that took it, is on the
 * tracker's list `all` while it exists, and is freed by
 * fw_parent_locks_release().  Surfaces and subsurfaces are wlroots'; they
 * are watched, and a lock on one that is gone is simply dropped.
 */
#ifndef FENCEWAY_COMMIT_PARENT_LOCKS_H
#define FENCEWAY_COMMIT_PARENT_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <wayland-server-core.h>

struct wlr_subsurface;
struct wlr_surface;
struct fw_parent_locks;

/*
 * Lock the pending state of each ancestor of child that would apply child's
 * held state (up to the first one that is not an effectively synchronized
 * subsurface).  NULL with *oom false when child has none; NULL with *oom
 * true on allocation failure (nothing locked then).
 */
struct fw_parent_locks *fw_parent_locks_take(struct wl_list *all,
	struct wlr_surface *child, bool *oom);

/*
 * The held commit goes: unlock every lock still taken, nearest first --
 * unless the client is being destroyed (its surfaces and their cached states
 * are going with it; applying them would run role code for a half-destroyed
 * client) -- and free locks (NULL: nothing to do).
 */
void fw_parent_locks_release(struct fw_parent_locks *locks);

/*
 * wl_subsurface.set_desync is about to be handled for sub: every lock held
 * through sub, and above it, is released now if sub stops being
 * effectively synchronized (its state no longer waits for its parent).
 */
void fw_parent_locks_desync(struct wl_list *all, struct wlr_subsurface *sub);

/* How many locks of any set are taken on surface's pending state. */
size_t fw_parent_locks_on(struct wl_list *all, struct wlr_surface *surface);

#endif
