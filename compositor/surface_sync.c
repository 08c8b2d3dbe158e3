/*
 * Per-surface explicit-sync state and the module's commit hooks (see
 * surface_sync.h for the life of a commit).
 *
 * What this file decides, at the moment a client commits:
 *   - whether the commit breaks a rule (docs/explicit-sync.md, checked in
 *     the order wlroots uses: no_buffer, no_acquire_point,
 *     no_release_point, conflicting_points);
 *   - whether it passes the tracker's cap;
 *   - whether it must be held for its acquire fence.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>
#include <fenceway/fence.h>
#include <fenceway/timeline.h>
#include "commit.h"
#include "explicit_sync_private.h"
#include "linux-drm-syncobj-v1-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"
#include "surface_sync.h"

/* ---- double-buffered state ---- */

void fw_es_state_init(struct fw_es_state *state) {
	memset(state, 0, sizeof(*state));
	wl_list_init(&state->release_resource_destroy.link);
}

static void state_handle_release_resource_destroy(struct wl_listener *listener,
		void *data) {
	struct fw_es_state *state =
		wl_container_of(listener, state, release_resource_destroy);
	/* The client destroyed it (or is going away): nothing to answer. */
	wl_list_remove(&state->release_resource_destroy.link);
	wl_list_init(&state->release_resource_destroy.link);
	state->release_resource = NULL;
}

void fw_es_state_set_release_resource(struct fw_es_state *state,
		struct wl_resource *resource) {
	wl_list_remove(&state->release_resource_destroy.link);
	wl_list_init(&state->release_resource_destroy.link);
	state->release_resource = resource;
	if (resource != NULL) {
		state->release_resource_destroy.notify =
			state_handle_release_resource_destroy;
		wl_resource_add_destroy_listener(resource,
			&state->release_resource_destroy);
	}
}

void fw_es_state_finish(struct fw_es_state *state) {
	fw_timeline_put(state->acquire_timeline);
	fw_timeline_put(state->release_timeline);
	fw_fence_put(state->acquire_fence);
	fw_es_state_set_release_resource(state, NULL);
	fw_es_state_init(state);
}

void fw_es_state_move(struct fw_es_state *dst, struct fw_es_state *src) {
	/* References move with the pointers; only the listener needs care. */
	struct wl_resource *release = src->release_resource;
	fw_es_state_set_release_resource(src, NULL);
	*dst = *src;
	wl_list_init(&dst->release_resource_destroy.link);
	dst->release_resource = NULL;
	fw_es_state_set_release_resource(dst, release);
	fw_es_state_init(src);
}

/* ---- per-surface state ---- */

static void surface_sync_destroy(struct fw_es_surface *ess) {
	/* Committed records stay with their commits (the tracker retires
	 * them); only what was set since the last commit goes. */
	fw_es_state_finish(&ess->pending);
	if (ess->sync != NULL) {
		/* The protocol object stays for the client to destroy; inert now,
		 * its requests fail with no_surface. */
		ess->sync->ess = NULL;
		ess->sync = NULL;
	}
	wl_list_remove(&ess->link);
	wlr_addon_finish(&ess->addon);
	free(ess);
}

static void surface_sync_addon_destroy(struct wlr_addon *addon) {
	struct fw_es_surface *ess = wl_container_of(addon, ess, addon);
	surface_sync_destroy(ess);
}

static const struct wlr_addon_interface surface_sync_addon_impl = {
	.name = "fw_es_surface",
	.destroy = surface_sync_addon_destroy,
};

struct fw_es_surface *fw_es_surface_find(struct fw_es *es,
		struct wlr_surface *surface) {
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &surface_sync_addon_impl);
	if (addon == NULL) {
		return NULL;
	}
	struct fw_es_surface *ess = wl_container_of(addon, ess, addon);
	return ess;
}

struct fw_es_surface *fw_es_surface_get(struct fw_es *es,
		struct wlr_surface *surface) {
	struct fw_es_surface *ess = fw_es_surface_find(es, surface);
	if (ess != NULL) {
		return ess;
	}
	struct wl_client *client = wl_resource_get_client(surface->resource);
	/* Make sure the client record exists while this surface does: finding
	 * it gone later tells us the client is being destroyed. */
	if (fw_es_client_get(es, client) == NULL) {
		return NULL;
	}
	ess = calloc(1, sizeof(*ess));
	if (ess == NULL) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	ess->es = es;
	ess->surface = surface;
	ess->client = client;
	fw_es_state_init(&ess->pending);
	wlr_addon_init(&ess->addon, &surface->addons, es, &surface_sync_addon_impl);
	wl_list_insert(&es->surfaces, &ess->link);
	return ess;
}

/* ---- protocol objects ---- */

struct fw_es_sync_object *fw_es_sync_object_create(struct fw_es *es,
		enum fw_es_protocol protocol, struct wl_resource *manager_resource,
		struct wl_resource *surface_resource, uint32_t exists_code,
		uint32_t id, const struct wl_interface *interface, const void *impl,
		wl_resource_destroy_func_t destroy) {
	struct wl_client *client = wl_resource_get_client(manager_resource);
	struct fw_es_surface *ess = fw_es_surface_get(es,
		wlr_surface_from_resource(surface_resource));
	if (ess == NULL) {
		return NULL;
	}
	if (ess->sync != NULL) {
		bool same = ess->sync->protocol == protocol;
		fw_es_post_error(ess->es, manager_resource, exists_code, "%s",
			same ? "the wl_surface already has a synchronization object" :
			protocol == FW_ES_SYNC_V1 ?
			"the wl_surface already uses wp_linux_drm_syncobj_manager_v1; "
			"a surface uses one explicit-sync protocol" :
			"the wl_surface already uses zwp_linux_explicit_synchronization_v1; "
			"a surface uses one explicit-sync protocol");
		return NULL;
	}
	struct fw_es_sync_object *obj = calloc(1, sizeof(*obj));
	if (obj == NULL) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	obj->resource = wl_resource_create(client, interface,
		wl_resource_get_version(manager_resource), id);
	if (obj->resource == NULL) {
		free(obj);
		wl_client_post_no_memory(client);
		return NULL;
	}
	obj->es = ess->es;
	obj->ess = ess;
	obj->protocol = protocol;
	ess->sync = obj;
	wl_resource_set_implementation(obj->resource, impl, obj, destroy);
	return obj;
}

void fw_es_sync_object_destroy(struct fw_es_sync_object *obj) {
	if (obj->ess != NULL) {
		obj->ess->sync = NULL;
	}
	free(obj);
}

/* ---- the pre-commit hook's work ---- */

/* A rejected commit: the error is posted; the tracker keeps the state
 * cached until the client, disconnected by libwayland, is gone. */
static void reject_commit(struct fw_es_surface *ess, uint32_t code,
		const char *rule) {
	fw_es_post_error(ess->es, ess->sync->resource, code, "%s", rule);
}

/* Returns false (error posted) if the commit breaks a syncobj rule. */
static bool validate_syncobj(struct fw_es_surface *ess, bool has_buffer) {
	const struct fw_es_state *p = &ess->pending;
	if (!has_buffer) {
		if (p->acquire_timeline != NULL || p->release_timeline != NULL) {
			reject_commit(ess, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER,
				p->acquire_timeline != NULL && p->release_timeline != NULL ?
				"acquire and release points set without a buffer attached" :
				p->acquire_timeline != NULL ?
				"acquire point set without a buffer attached" :
				"release point set without a buffer attached");
			return false;
		}
		return true;
	}
	if (p->acquire_timeline == NULL) {
		reject_commit(ess,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT,
			"buffer attached without an acquire point");
		return false;
	}
	if (p->release_timeline == NULL) {
		reject_commit(ess,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT,
			"buffer attached without a release point");
		return false;
	}
	if (p->acquire_timeline == p->release_timeline &&
			p->acquire_point >= p->release_point) {
		reject_commit(ess,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS,
			"acquire point must be lower than the release point on the "
			"same timeline");
		return false;
	}
	return true;
}

/* Returns false (error posted) if the commit breaks a sync-file rule. */
static bool validate_sync_v1(struct fw_es_surface *ess, bool has_buffer) {
	const struct fw_es_state *p = &ess->pending;
	if (has_buffer) {
		return true;
	}
	if (p->acquire_fence != NULL) {
		reject_commit(ess, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER,
			"acquire fence set without a buffer attached");
		return false;
	}
	if (p->release_resource != NULL) {
		reject_commit(ess, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER,
			"buffer release requested without a buffer attached");
		return false;
	}
	return true;
}

/* The fence this commit's buffer must wait for, or NULL (new reference). */
static struct fw_fence *acquire_fence_of(struct fw_es_state *state,
		bool *oom) {
	*oom = false;
	struct fw_fence *fence = NULL;
	if (state->acquire_timeline != NULL) {
		fence = fw_timeline_point_fence(state->acquire_timeline,
			state->acquire_point);
		*oom = fence == NULL;
	} else if (state->acquire_fence != NULL) {
		fence = fw_fence_get(state->acquire_fence);
	}
	return fence;
}

void fw_es_log_failed_fence(struct fw_es_commit *record,
		struct fw_fence *fence) {
	struct wlr_surface *surface = fw_commit_surface(record->commit);
	pid_t pid = 0;
	wl_client_get_credentials(record->client, &pid, NULL, NULL);
	const char *tl_name = record->state.acquire_timeline != NULL ?
		fw_timeline_name(record->state.acquire_timeline) :
		fw_fence_timeline_name(fence);
	wlr_log(WLR_ERROR, "explicit-sync: client pid %d, wl_surface@%" PRIu32
		": acquire fence on timeline '%s' point %" PRIu64 " failed (%s); "
		"applying the commit as if it had signalled",
		(int)pid, wl_resource_get_id(surface->resource),
		tl_name != NULL ? tl_name : "?",
		record->state.acquire_timeline != NULL ? record->state.acquire_point :
		fw_fence_seqno(fence), strerror(-fw_fence_get_status(fence)));
}

/* The explicit-sync work of one commit of ess's surface; false (an error
 * posted) rejects it. */
static bool handle_commit_request(struct fw_es_surface *ess,
		struct fw_commit *commit) {
	struct fw_es *es = ess->es;
	bool attach = fw_commit_attaches(commit);
	bool has_buffer = attach && !fw_commit_null_attach(commit);

	switch (ess->sync != NULL ? ess->sync->protocol : FW_ES_NONE) {
	case FW_ES_SYNCOBJ_V1:
		if (!validate_syncobj(ess, has_buffer)) {
			return false;
		}
		break;
	case FW_ES_SYNC_V1:
		if (!validate_sync_v1(ess, has_buffer)) {
			return false;
		}
		break;
	case FW_ES_NONE:
		/* The sync object is gone; its pending state went with it. */
		break;
	}
	if (fw_commit_over_cap(commit)) {
		fw_es_post_cap_error(es, ess->client, "%s", FW_COMMIT_CAP_MESSAGE);
		return false;
	}
	if (!attach) {
		/* Only buffer commits carry sync state (validation made sure the
		 * state is empty here). */
		return true;
	}

	bool oom;
	struct fw_fence *fence = acquire_fence_of(&ess->pending, &oom);
	if (oom) {
		fw_es_post_no_memory(es, ess->client);
		return false;
	}
	bool hold = fence != NULL && !fw_fence_is_signaled(fence);

	struct fw_es_commit *record = calloc(1, sizeof(*record));
	if (record == NULL) {
		fw_es_post_no_memory(es, ess->client);
		fw_fence_put(fence);
		return false;
	}
	record->es = es;
	record->commit = commit;
	record->client = ess->client;
	fw_es_state_init(&record->state);
	fw_es_state_move(&record->state, &ess->pending);
	wl_list_insert(&es->commits, &record->link);
	fw_commit_set_slot(commit, es->commit_sub, record);

	if (fence != NULL && !hold && fw_fence_get_status(fence) < 0) {
		fw_es_log_failed_fence(record, fence);
	}
	bool ok = true;
	if (hold) {
		ok = fw_es_commit_hold(record, fence);
		struct fw_commit *previous = fw_commit_previous_attach(commit);
		struct fw_es_commit *superseded = previous != NULL ?
			fw_commit_get_slot(previous, es->commit_sub) : NULL;
		if (ok && superseded != NULL && record->state.acquire_soft) {
			fw_es_commit_release_early(record, superseded);
		}
	}
	fw_fence_put(fence);
	return ok;
}

static bool es_handle_request(struct fw_commit *commit, void *data) {
	struct fw_es *es = data;
	struct wlr_surface *surface = fw_commit_surface(commit);
	if (fw_es_client_failed(es, wl_resource_get_client(surface->resource))) {
		/* A client we posted an error to gets nothing more from us. */
		return true;
	}
	struct fw_es_surface *ess = fw_es_surface_find(es, surface);
	if (ess == NULL) {
		/* Never asked for explicit sync: plain implicit behaviour. */
		return true;
	}
	return handle_commit_request(ess, commit);
}

static void es_handle_retired(struct fw_commit *commit, void *data) {
	struct fw_es *es = data;
	struct fw_es_commit *record = fw_commit_get_slot(commit, es->commit_sub);
	if (record != NULL) {
		fw_commit_set_slot(commit, es->commit_sub, NULL);
		fw_es_commit_release(record);
	}
}

const struct fw_commit_hooks fw_es_commit_hooks = {
	.request = es_handle_request,
	.retired = es_handle_retired,
};
