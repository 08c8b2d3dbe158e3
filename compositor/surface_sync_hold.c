/*
 * Holding a commit until its acquire fence signals -- per surface, never
 * globally, and never by waiting on the main thread (DESIGN §4.3).
 *
 * wlroots 0.15 has the tool: wlr_surface_lock_pending() makes the commit
 * that is about to happen land in the surface's list of cached states
 * instead of being applied; wlr_surface_unlock_cached(seq) lets it (and
 * everything queued behind it) through.  Other surfaces and clients never
 * notice.  The wait itself is a fw_loop wait: the fence library signals an
 * fd that sits in the wl_event_loop, and the callback runs on the main
 * thread from there.
 *
 * Synchronized subsurfaces: a child's state is applied by its parent's
 * commit, so a held child commit would let the parent's next commit show
 * the tree half-updated.  We therefore also hold the next commit of every
 * ancestor up to the first one that is not a synchronized subsurface, and
 * let them go, nearest first, right after the child (the tree appears
 * together).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>
#include <fenceway/fence.h>
#include <fenceway/loop.h>
#include <fenceway/timeline.h>
#include "explicit_sync_private.h"
#include "surface_sync.h"

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- parent locks for synchronized subsurfaces ---- */

static void parent_lock_handle_destroy(struct wl_listener *listener,
		void *data) {
	struct fw_es_parent_lock *lock = wl_container_of(listener, lock, destroy);
	wl_list_remove(&lock->destroy.link);
	wl_list_init(&lock->destroy.link);
	lock->surface = NULL;
}

/* wlroots' rule: a subsurface is synchronized if it or any ancestor
 * subsurface is. */
static bool subsurface_effectively_synchronized(struct wlr_subsurface *sub) {
	while (sub != NULL) {
		if (sub->synchronized) {
			return true;
		}
		if (sub->parent == NULL || !wlr_surface_is_subsurface(sub->parent)) {
			return false;
		}
		sub = wlr_subsurface_from_wlr_surface(sub->parent);
	}
	return false;
}

/* Lock the next commit of each ancestor that will apply this surface's
 * held state.  false on allocation failure (nothing locked then). */
static bool lock_parents(struct fw_es_commit *commit) {
	size_t n = 0;
	struct wlr_surface *s = commit->ess->surface;
	while (wlr_surface_is_subsurface(s)) {
		struct wlr_subsurface *sub = wlr_subsurface_from_wlr_surface(s);
		if (sub == NULL || sub->parent == NULL ||
				!subsurface_effectively_synchronized(sub)) {
			break;
		}
		n++;
		s = sub->parent;
	}
	if (n == 0) {
		return true;
	}
	struct fw_es_parent_lock *locks = calloc(n, sizeof(*locks));
	if (locks == NULL) {
		return false;
	}
	s = commit->ess->surface;
	for (size_t i = 0; i < n; i++) {
		struct wlr_subsurface *sub = wlr_subsurface_from_wlr_surface(s);
		struct wlr_surface *parent = sub->parent;
		locks[i].surface = parent;
		locks[i].seq = wlr_surface_lock_pending(parent);
		locks[i].destroy.notify = parent_lock_handle_destroy;
		wl_signal_add(&parent->events.destroy, &locks[i].destroy);
		s = parent;
	}
	commit->parent_locks = locks;
	commit->n_parent_locks = n;
	return true;
}

/*
 * Let the ancestors' commits go, nearest first.  The caller took the array
 * from the commit: unlocking applies states and may free the commit.  While
 * the client is being destroyed nothing is unlocked: its surfaces, and the
 * states they cache, are going away with it, and applying them now would
 * run role code for a half-destroyed client.
 */
static void unlock_parents(struct fw_es_parent_lock *locks, size_t n,
		bool client_dying) {
	for (size_t i = 0; i < n; i++) {
		wl_list_remove(&locks[i].destroy.link);
	}
	for (size_t i = 0; i < n && !client_dying; i++) {
		if (locks[i].surface != NULL) {
			wlr_surface_unlock_cached(locks[i].surface, locks[i].seq);
		}
	}
	free(locks);
}

/* ---- the hold ---- */

/*
 * Drop our hold.  With unlock_self, the surface's own cached state is let
 * go as well; wlroots then applies it at once (if nothing else holds it),
 * which runs commit listeners that may release and free this commit -- so
 * nothing here touches commit after the unlock.
 */
static void end_hold(struct fw_es_commit *commit, bool unlock_self) {
	if (!commit->held) {
		return;
	}
	struct fw_es_surface *ess = commit->ess;
	commit->held = false;
	ess->n_held--;
	fw_fence_put(commit->wait_fence);
	commit->wait_fence = NULL;

	struct fw_es_parent_lock *locks = commit->parent_locks;
	size_t n_locks = commit->n_parent_locks;
	commit->parent_locks = NULL;
	commit->n_parent_locks = 0;
	struct wlr_surface *surface = ess->surface;
	uint32_t seq = commit->seq;
	bool client_dying = fw_es_client_find(ess->es, ess->client) == NULL;

	if (unlock_self) {
		wlr_surface_unlock_cached(surface, seq);
	}
	unlock_parents(locks, n_locks, client_dying);
}

static void hold_handle_signal(struct fw_wait *wait, struct fw_fence *fence,
		void *data) {
	struct fw_es_commit *commit = data;
	/* The loop frees the wait when we return. */
	commit->wait = NULL;
	if (fw_fence_get_status(fence) < 0) {
		fw_es_log_failed_fence(commit, fence);
	}
	wlr_log(WLR_DEBUG, "explicit-sync: wl_surface@%" PRIu32 " commit %"
		PRIu32 " acquire signalled, applying",
		wl_resource_get_id(commit->ess->surface->resource), commit->seq);
	end_hold(commit, true);
}

bool fw_es_commit_hold(struct fw_es_commit *commit, struct fw_fence *fence) {
	struct fw_es_surface *ess = commit->ess;
	struct fw_es *es = ess->es;

	commit->wait = fw_loop_wait_fence(es->loop, fence, hold_handle_signal,
		commit);
	if (commit->wait == NULL) {
		fw_es_post_no_memory(ess->es, ess->client);
		return false;
	}
	if (!lock_parents(commit)) {
		fw_wait_cancel(commit->wait);
		commit->wait = NULL;
		fw_es_post_no_memory(ess->es, ess->client);
		return false;
	}
	/* The seq returned is the pending state's, which is this commit's. */
	uint32_t seq = wlr_surface_lock_pending(ess->surface);
	if (seq != commit->seq) {
		wlr_log(WLR_ERROR, "explicit-sync: lock seq %" PRIu32 " != commit %"
			PRIu32, seq, commit->seq);
		commit->seq = seq;
	}
	commit->wait_fence = fw_fence_get(fence);
	commit->held = true;
	commit->held_since_ns = now_ns();
	ess->n_held++;
	wlr_log(WLR_DEBUG, "explicit-sync: wl_surface@%" PRIu32 " commit %"
		PRIu32 " held for its acquire fence",
		wl_resource_get_id(ess->surface->resource), commit->seq);
	fw_es_arm_held_timer(es);
	return true;
}

void fw_es_commit_cancel_hold(struct fw_es_commit *commit) {
	if (commit->wait != NULL) {
		fw_wait_cancel(commit->wait);
		commit->wait = NULL;
	}
	end_hold(commit, false);
}

/* ---- a NULL attach behind held commits ---- */

/*
 * On 0.15 the role's precommit runs when the request arrives, not when the
 * state is applied: a NULL attach queued behind held commits unmaps an xdg
 * surface (and forgets that it was configured) at once.  The held commits
 * would then be applied with a buffer on an unmapped, unconfigured
 * xdg_surface -- a protocol error for the client ("never been configured")
 * -- or, for a subsurface, map it again for a moment.  They are superseded
 * by the NULL attach before anything could show them, so we let them apply
 * as NULL attaches too: applied unmapped, released exactly once (their
 * records are untouched), never shown.
 */
void fw_es_unmap_queued(struct fw_es_surface *ess) {
	struct wlr_surface *surface = ess->surface;
	struct wlr_surface_state *cached;
	wl_list_for_each(cached, &surface->cached, cached_state_link) {
		bool ours = false;
		struct fw_es_commit *commit;
		wl_list_for_each(commit, &ess->queue, link) {
			if (commit->seq == cached->seq) {
				ours = true;
				break;
			}
		}
		if (!ours || !(cached->committed & WLR_SURFACE_STATE_BUFFER) ||
				cached->buffer == NULL) {
			continue;
		}
		wlr_buffer_unlock(cached->buffer);
		cached->buffer = NULL;
		cached->buffer_width = cached->buffer_height = 0;
		cached->width = cached->height = 0;
		wlr_log(WLR_DEBUG, "explicit-sync: wl_surface@%" PRIu32 " commit %"
			PRIu32 " superseded by a NULL attach while queued",
			wl_resource_get_id(surface->resource), cached->seq);
	}
}

/* ---- "held too long" ---- */

int fw_es_check_held_commits(struct fw_es *es) {
	const int64_t threshold = (int64_t)FW_ES_HELD_TOO_LONG_MS * 1000000;
	int64_t now = now_ns();
	int64_t next = 0;
	struct fw_es_surface *ess;
	wl_list_for_each(ess, &es->surfaces, link) {
		struct fw_es_commit *commit;
		wl_list_for_each(commit, &ess->queue, link) {
			if (!commit->held || commit->held_logged) {
				continue;
			}
			int64_t age = now - commit->held_since_ns;
			if (age < threshold) {
				int64_t left = threshold - age;
				if (next == 0 || left < next) {
					next = left;
				}
				continue;
			}
			commit->held_logged = true;
			pid_t pid = 0;
			wl_client_get_credentials(ess->client, &pid, NULL, NULL);
			const char *name = commit->state.acquire_timeline != NULL ?
				fw_timeline_name(commit->state.acquire_timeline) :
				fw_fence_timeline_name(commit->wait_fence);
			uint64_t point = commit->state.acquire_timeline != NULL ?
				commit->state.acquire_point :
				fw_fence_seqno(commit->wait_fence);
			wlr_log(WLR_INFO, "explicit-sync: commit held for more than %d ms: "
				"client pid %d, wl_surface@%" PRIu32 ", waiting for timeline "
				"'%s' point %" PRIu64, FW_ES_HELD_TOO_LONG_MS, (int)pid,
				wl_resource_get_id(ess->surface->resource),
				name != NULL ? name : "?", point);
		}
	}
	if (next == 0) {
		return 0;
	}
	return (int)((next + 999999) / 1000000);
}
