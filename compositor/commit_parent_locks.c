/*
 * Parent locks for held commits of synchronized subsurfaces (see
 * commit_parent_locks.h).
 *
 * A child's state is applied by its parent's commit, so a held child commit
 * would let the parent's next commit show the tree half-updated.  Each
 * ancestor up the chain of effectively synchronized subsurfaces gets its
 * next commit locked; link i of the chain is the subsurface whose parent is
 * locks[i].surface.  When link i stops carrying the child's state up -- its
 * subsurface is destroyed or set desynchronized -- the locks from i up are
 * let go: nothing below waits for them any more.
 */
#include <stdlib.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_surface.h>
#include "commit_parent_locks.h"

struct parent_lock {
	struct fw_parent_locks *set;
	struct wlr_surface *surface; /* NULL once gone or released */
	struct wlr_subsurface *sub;  /* link to it; NULL once gone */
	uint32_t seq;
	struct wl_listener surface_destroy;
	struct wl_listener sub_destroy;
};

struct fw_parent_locks {
	struct wl_event_loop *loop;
	struct wl_client *client;
	bool client_dying;
	struct wl_listener client_destroy;
	/* A link's subsurface went: its locks go from an idle callback, once
	 * the destroy that caused it (maybe the parent's own) is over. */
	struct wl_event_source *idle;
	size_t first_dropped; /* locks from here up go at idle */
	struct wl_list link;  /* the tracker's `all` */
	size_t n;
	struct parent_lock locks[];
};

/* wlroots' rule: a subsurface is synchronized if it or any ancestor
 * subsurface is. */
static bool effectively_synchronized(struct wlr_subsurface *sub) {
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

static void forget_lock(struct parent_lock *lock) {
	wl_list_remove(&lock->surface_destroy.link);
	wl_list_init(&lock->surface_destroy.link);
	wl_list_remove(&lock->sub_destroy.link);
	wl_list_init(&lock->sub_destroy.link);
	lock->sub = NULL;
}

/* Let locks[from..] go, nearest first. */
static void release_from(struct fw_parent_locks *set, size_t from) {
	for (size_t i = from; i < set->n; i++) {
		struct parent_lock *lock = &set->locks[i];
		struct wlr_surface *surface = lock->surface;
		lock->surface = NULL;
		forget_lock(lock);
		if (surface != NULL && !set->client_dying) {
			wlr_surface_unlock_cached(surface, lock->seq);
		}
	}
}

static void handle_surface_destroy(struct wl_listener *listener, void *data) {
	struct parent_lock *lock = wl_container_of(listener, lock, surface_destroy);
	/* Its cached states, our lock among them, die with it. */
	lock->surface = NULL;
	wl_list_remove(&lock->surface_destroy.link);
	wl_list_init(&lock->surface_destroy.link);
}

static void handle_idle(void *data) {
	struct fw_parent_locks *set = data;
	set->idle = NULL;
	release_from(set, set->first_dropped);
}

static void handle_sub_destroy(struct wl_listener *listener, void *data) {
	struct parent_lock *lock = wl_container_of(listener, lock, sub_destroy);
	struct fw_parent_locks *set = lock->set;
	wl_list_remove(&lock->sub_destroy.link);
	wl_list_init(&lock->sub_destroy.link);
	lock->sub = NULL;
	size_t i = (size_t)(lock - set->locks);
	if (set->idle == NULL) {
		set->idle = wl_event_loop_add_idle(set->loop, handle_idle, set);
		set->first_dropped = i;
		if (set->idle == NULL) {
			/* Keep the locks: they go with the held commit. */
			return;
		}
	} else if (i < set->first_dropped) {
		set->first_dropped = i;
	}
}

static void handle_client_destroy(struct wl_listener *listener, void *data) {
	struct fw_parent_locks *set =
		wl_container_of(listener, set, client_destroy);
	set->client_dying = true;
	wl_list_remove(&set->client_destroy.link);
	wl_list_init(&set->client_destroy.link);
}

struct fw_parent_locks *fw_parent_locks_take(struct wl_list *all,
	struct wlr_surface *child, bool *oom) {
	*oom = false;
	size_t n = 0;
	struct wlr_surface *s = child;
	while (wlr_surface_is_subsurface(s)) {
		struct wlr_subsurface *sub = wlr_subsurface_from_wlr_surface(s);
		if (sub == NULL || sub->parent == NULL ||
			!effectively_synchronized(sub)) {
			break;
		}
		n++;
		s = sub->parent;
	}
	if (n == 0) {
		return NULL;
	}
	struct fw_parent_locks *set =
		calloc(1, sizeof(*set) + n * sizeof(set->locks[0]));
	if (set == NULL) {
		*oom = true;
		return NULL;
	}
	set->client = wl_resource_get_client(child->resource);
	set->loop = wl_display_get_event_loop(wl_client_get_display(set->client));
	set->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(set->client, &set->client_destroy);
	set->n = n;
	s = child;
	for (size_t i = 0; i < n; i++) {
		struct parent_lock *lock = &set->locks[i];
		struct wlr_subsurface *sub = wlr_subsurface_from_wlr_surface(s);
		lock->set = set;
		lock->sub = sub;
		lock->surface = sub->parent;
		lock->seq = wlr_surface_lock_pending(sub->parent);
		lock->surface_destroy.notify = handle_surface_destroy;
		wl_signal_add(&sub->parent->events.destroy, &lock->surface_destroy);
		lock->sub_destroy.notify = handle_sub_destroy;
		wl_signal_add(&sub->events.destroy, &lock->sub_destroy);
		s = sub->parent;
	}
	wl_list_insert(all, &set->link);
	return set;
}

void fw_parent_locks_release(struct fw_parent_locks *set) {
	if (set == NULL) {
		return;
	}
	if (set->idle != NULL) {
		wl_event_source_remove(set->idle);
	}
	release_from(set, 0);
	wl_list_remove(&set->client_destroy.link);
	wl_list_remove(&set->link);
	free(set);
}

void fw_parent_locks_desync(struct wl_list *all, struct wlr_subsurface *sub) {
	/* After the request, sub is synchronized only through its parent. */
	bool stays = sub->parent != NULL &&
		wlr_surface_is_subsurface(sub->parent) &&
		effectively_synchronized(wlr_subsurface_from_wlr_surface(sub->parent));
	if (stays) {
		return;
	}
	struct fw_parent_locks *set;
	wl_list_for_each(set, all, link) {
		for (size_t i = 0; i < set->n; i++) {
			if (set->locks[i].sub == sub) {
				release_from(set, i);
				break;
			}
		}
	}
}

size_t fw_parent_locks_on(struct wl_list *all, struct wlr_surface *surface) {
	size_t n = 0;
	struct fw_parent_locks *set;
	wl_list_for_each(set, all, link) {
		for (size_t i = 0; i < set->n; i++) {
			n += set->locks[i].surface == surface;
		}
	}
	return n;
}
