/*
 * The explicit-sync module: sets up what both protocols share and hands the
 * rest to the protocol files (explicit_sync_private.h lists them).
 *
 * Setup, in order:
 *   1. the kill switch -- FENCEWAY_NO_EXPLICIT_SYNC=1 (or --no-explicit-sync,
 *      which sets it) and the module does nothing: no globals, no hook;
 *   2. a fw_loop, whose one fd goes into the wl_event_loop: every fence wait
 *      of every held commit completes through it, on the main thread,
 *      without the main thread ever blocking;
 *   3. a DRM device with syncobj timelines, if there is one (so DRM syncobj
 *      fds can be imported next to our soft timelines);
 *   4. the two globals, each protocol a subscriber of the commit tracker.
 *
 * Shared by both protocols, kept here so they cannot diverge: the claim
 * (a surface uses one protocol at a time), timelines pinned per client
 * (what a client's fd budget counts), and the common part of a commit
 * record -- who made it, and the fence wait of a held commit with its
 * charge to the wait budget.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/util/log.h>
#include <fenceway/drm_syncobj.h>
#include <fenceway/fence.h>
#include <fenceway/loop.h>
#include <fenceway/timeline.h>
#include <inttypes.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include "commit.h"
#include "explicit_sync.h"
#include "explicit_sync_private.h"
#include "server.h"

/* The fence loop's fd is readable: run the callbacks of fences that
 * signalled (held commits get applied from there). */
static int handle_loop_fd(int fd, uint32_t mask, void *data) {
	struct fw_es *es = data;
	int ret = fw_loop_dispatch(es->loop);
	if (ret < 0) {
		wlr_log(WLR_ERROR, "explicit-sync: fence loop dispatch failed: %s",
			strerror(-ret));
	}
	return 0;
}

struct fw_fence *fw_es_create_out_fence(struct fw_es *es) {
	/* One context per fence: our out-fences signal in no particular order
	 * (each when its own surface's commit applies), so they must not look
	 * like points of one ordered timeline to a merge. */
	uint64_t context = fw_fence_context_alloc(1);
	return fw_fence_create(context, ++es->fence_seqno, "fenceway-release");
}

/*
 * A DRM device that can import syncobj timelines: the backend's or the
 * renderer's, else (headless) a render node we open ourselves.  Without
 * one, only soft timelines are accepted.
 */
static void find_drm_device(struct fw_es *es) {
	es->drm_fd = -1;
	es->drm_fd_owned = false;
	int fd = -1;
	if (es->server->backend != NULL) {
		fd = wlr_backend_get_drm_fd(es->server->backend);
	}
	if (fd < 0 && es->server->renderer != NULL) {
		fd = wlr_renderer_get_drm_fd(es->server->renderer);
	}
	if (fd >= 0) {
		if (fw_drm_syncobj_timeline_supported(fd)) {
			es->drm_fd = fd;
			wlr_log(WLR_INFO,
				"explicit-sync: DRM syncobj timelines on the "
				"backend's device");
		}
		return;
	}
	DIR *dir = opendir("/dev/dri");
	if (dir == NULL) {
		wlr_log(WLR_INFO, "explicit-sync: no DRM device; soft timelines only");
		return;
	}
	struct dirent *ent;
	while ((ent = readdir(dir)) != NULL) {
		if (strncmp(ent->d_name, "renderD", 7) != 0) {
			continue;
		}
		char path[sizeof("/dev/dri/") + sizeof(ent->d_name)];
		snprintf(path, sizeof(path), "/dev/dri/%s", ent->d_name);
		int node = open(path, O_RDWR | O_CLOEXEC);
		if (node < 0) {
			continue;
		}
		if (fw_drm_syncobj_timeline_supported(node)) {
			es->drm_fd = node;
			es->drm_fd_owned = true;
			wlr_log(WLR_INFO, "explicit-sync: DRM syncobj timelines on %s",
				path);
			break;
		}
		close(node);
	}
	closedir(dir);
	if (es->drm_fd < 0) {
		wlr_log(WLR_INFO,
			"explicit-sync: no DRM device with syncobj "
			"timelines; soft timelines only");
	}
}

static void es_global_bind(struct wl_client *client, void *data,
	uint32_t version, uint32_t id) {
	struct fw_es_global *g = data;
	struct wl_resource *resource =
		wl_resource_create(client, g->interface, (int)version, id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	/* A manager holds no state of its own: its requests act on the module,
	 * so the resource needs no destructor. */
	wl_resource_set_implementation(resource, g->impl, g->es, NULL);
}

bool fw_es_global_init(struct fw_es_global *g, struct fw_es *es,
	const struct wl_interface *interface, int version, const void *impl,
	const struct fw_commit_hooks *hooks) {
	g->es = es;
	g->interface = interface;
	g->impl = impl;
	g->sub = fw_commit_subscribe(es->server->commits, hooks, g);
	g->global =
		wl_global_create(es->display, interface, version, g, es_global_bind);
	if (g->sub < 0 || g->global == NULL) {
		wlr_log(WLR_ERROR, "explicit-sync: cannot create the %s global",
			interface->name);
		return false;
	}
	return true;
}

void fw_es_global_finish(struct fw_es_global *g) {
	if (g->global != NULL) {
		wl_global_destroy(g->global);
		g->global = NULL;
	}
	if (g->sub >= 0) {
		/* Releases still owed (an output scanning a buffer out) are paid
		 * now, from the protocol's retired hook. */
		fw_commit_unsubscribe(g->es->server->commits, g->sub);
		g->sub = -1;
	}
}

/* ---- one protocol per surface ---- */

struct es_claim {
	enum fw_es_protocol protocol;
	struct wlr_addon addon; /* on surface->addons, owner es */
};

static void claim_addon_destroy(struct wlr_addon *addon) {
	struct es_claim *claim = wl_container_of(addon, claim, addon);
	wlr_addon_finish(&claim->addon);
	free(claim);
}

static const struct wlr_addon_interface claim_addon_impl = {
	.name = "fw_es_claim",
	.destroy = claim_addon_destroy,
};

bool fw_es_claim(struct fw_es *es, struct wlr_surface *surface,
	enum fw_es_protocol protocol, struct wl_resource *manager_resource,
	uint32_t exists_code) {
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &claim_addon_impl);
	if (addon != NULL) {
		struct es_claim *claim = wl_container_of(addon, claim, addon);
		fw_es_post_error(es, manager_resource, exists_code, "%s: %s",
			protocol == FW_ES_SYNC_V1 ? "synchronization_exists"
									  : "surface_exists",
			claim->protocol == protocol
				? "the wl_surface already has a synchronization object"
				: claim->protocol == FW_ES_SYNCOBJ_V1
				? "the wl_surface uses wp_linux_drm_syncobj_manager_v1 "
				  "(one protocol per surface)"
				: "the wl_surface uses zwp_linux_explicit_synchronization_v1 "
				  "(one protocol per surface)");
		return false;
	}
	struct es_claim *claim = calloc(1, sizeof(*claim));
	if (claim == NULL) {
		fw_es_post_no_memory(es, wl_resource_get_client(manager_resource));
		return false;
	}
	claim->protocol = protocol;
	wlr_addon_init(&claim->addon, &surface->addons, es, &claim_addon_impl);
	return true;
}

void fw_es_unclaim(struct fw_es *es, struct wlr_surface *surface) {
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &claim_addon_impl);
	assert(addon != NULL);
	claim_addon_destroy(addon);
}

/* ---- timelines pinned per client ---- */

int fw_es_timeline_pin(struct fw_es *es, struct fw_client *owner,
	struct fw_timeline *timeline, struct fw_es_timeline **out) {
	struct fw_es_timeline *pin;
	wl_list_for_each(pin, &es->timelines, link) {
		if (pin->owner == owner && pin->timeline == timeline) {
			/* The library gave the same timeline again: one fd. */
			fw_timeline_put(timeline);
			*out = fw_es_timeline_ref(pin);
			return 0;
		}
	}
	if (!fw_client_charge(owner, FW_BUDGET_FDS, 1)) {
		fw_timeline_put(timeline);
		return -EDQUOT;
	}
	pin = calloc(1, sizeof(*pin));
	if (pin == NULL) {
		fw_client_uncharge(owner, FW_BUDGET_FDS, 1);
		fw_timeline_put(timeline);
		return -ENOMEM;
	}
	pin->es = es;
	pin->owner = fw_client_ref(owner);
	pin->timeline = timeline;
	pin->refs = 1;
	wl_list_insert(&es->timelines, &pin->link);
	*out = pin;
	return 0;
}

struct fw_es_timeline *fw_es_timeline_ref(struct fw_es_timeline *pin) {
	assert(pin->refs > 0);
	pin->refs++;
	return pin;
}

void fw_es_timeline_unref(struct fw_es_timeline *pin) {
	if (pin == NULL) {
		return;
	}
	assert(pin->refs > 0);
	if (--pin->refs > 0) {
		return;
	}
	/* A wait borrows its commit's pin: no wait outlives the last one. */
	assert(pin->waits == 0);
	wl_list_remove(&pin->link);
	fw_timeline_put(pin->timeline);
	fw_client_uncharge(pin->owner, FW_BUDGET_FDS, 1);
	fw_client_unref(pin->owner);
	free(pin);
}

/* ---- the common part of a commit record ---- */

bool fw_es_record_init(struct fw_es_record *record, struct fw_es *es,
	struct fw_commit *commit) {
	struct fw_client *owner = fw_es_client_record(es, fw_commit_client(commit));
	if (owner == NULL) {
		return false;
	}
	record->es = es;
	record->commit = commit;
	record->client = fw_commit_client(commit);
	record->owner = fw_client_ref(owner);
	wl_list_insert(&es->records, &record->link);
	return true;
}

/* Charge the wait about to start on pin (NULL: a sync file). */
static bool wait_charge(struct fw_es_record *record,
	struct fw_es_timeline *pin) {
	if (pin != NULL && pin->waits > 0) {
		pin->waits++;
	} else if (!fw_client_charge(record->owner, FW_BUDGET_WAITS, 1)) {
		return false;
	} else if (pin != NULL) {
		pin->waits = 1;
	}
	record->wait_pin = pin;
	return true;
}

/* The wait is over (signalled or cancelled): give its charge back. */
static void wait_uncharge(struct fw_es_record *record) {
	struct fw_es_timeline *pin = record->wait_pin;
	record->wait_pin = NULL;
	if (pin != NULL) {
		assert(pin->waits > 0);
		if (--pin->waits > 0) {
			return;
		}
	}
	fw_client_uncharge(record->owner, FW_BUDGET_WAITS, 1);
}

void fw_es_record_finish(struct fw_es_record *record) {
	if (record->wait != NULL) {
		/* Never applied (its surface went): the fence does not matter. */
		fw_wait_cancel(record->wait);
		record->wait = NULL;
		wait_uncharge(record);
	}
	wl_list_remove(&record->link);
	fw_client_unref(record->owner);
	record->owner = NULL;
}

bool fw_es_record_client_alive(const struct fw_es_record *record) {
	/* While libwayland destroys a client it frees that client's resources
	 * itself; we only answer clients that are still there. */
	return record->client != NULL &&
		fw_es_client_find(record->es, record->client) != NULL;
}

/* Through the client's log limiter: a client whose producer died with
 * many commits held costs one line per interval, not one per commit. */
static void log_failed_fence(struct fw_es_record *record,
	struct fw_fence *fence) {
	struct wlr_surface *surface = fw_commit_surface(record->commit);
	fw_client_log(record->owner, FW_CLIENT_EVENT_FENCE_ERROR, WLR_ERROR,
		"wl_surface@%" PRIu32 ": acquire fence on timeline '%s' point %" PRIu64
		" failed (%s); applying the commit as if it had signalled",
		wl_resource_get_id(surface->resource),
		record->timeline_name != NULL ? record->timeline_name : "?",
		record->point, strerror(-fw_fence_get_status(fence)));
}

static void record_handle_signal(struct fw_wait *wait, struct fw_fence *fence,
	void *data) {
	struct fw_es_record *record = data;
	/* The loop frees the wait when we return. */
	record->wait = NULL;
	wait_uncharge(record);
	if (fw_fence_get_status(fence) < 0) {
		log_failed_fence(record, fence);
		fw_commit_fence_failed(record->commit);
	}
	fw_commit_unhold(record->commit);
}

bool fw_es_record_wait(struct fw_es_record *record, struct fw_fence *fence,
	struct fw_es_timeline *pin, const char *timeline_name, uint64_t point,
	fw_commit_describe_fn describe) {
	record->timeline_name = timeline_name;
	record->point = point;
	if (fw_fence_is_signaled(fence)) {
		if (fw_fence_get_status(fence) < 0) {
			log_failed_fence(record, fence);
			fw_commit_fence_failed(record->commit);
		}
		return true;
	}
	if (!wait_charge(record, pin)) {
		fw_es_post_budget_error(record->es, record->client, FW_BUDGET_WAITS,
			"a commit held on '%s' point %" PRIu64,
			timeline_name != NULL ? timeline_name : "?", point);
		return false;
	}
	record->wait = fw_loop_wait_fence(record->es->loop, fence,
		record_handle_signal, record);
	if (record->wait == NULL ||
		!fw_commit_hold(record->commit, describe, record,
			pin != NULL ? &point : NULL)) {
		if (record->wait != NULL) {
			fw_wait_cancel(record->wait);
			record->wait = NULL;
		}
		wait_uncharge(record);
		fw_es_post_no_memory(record->es, record->client);
		return false;
	}
	return true;
}

void fw_es_describe_point(struct fw_timeline *timeline, uint64_t point,
	char *buf, size_t len) {
	uint64_t value = 0;
	int err = fw_timeline_query(timeline, &value);
	const char *name = fw_timeline_name(timeline);
	const char *kind = fw_timeline_backend(timeline) == FW_BACKEND_SOFT
		? "soft"
		: "drm syncobj";
	if (err < 0) {
		snprintf(buf, len, "timeline '%s' (%s) point %" PRIu64 ", at ? (%s)",
			name != NULL ? name : "", kind, point, strerror(-err));
	} else {
		snprintf(buf, len, "timeline '%s' (%s) point %" PRIu64 ", at %" PRIu64,
			name != NULL ? name : "", kind, point, value);
	}
}

void fw_es_describe_fence(struct fw_fence *fence, char *buf, size_t len) {
	size_t n = fw_fence_num_points(fence), used = 0;
	int w =
		snprintf(buf, len, "sync file (%zu fence%s):", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && w >= 0 && (size_t)w < len - used; i++) {
		used += (size_t)w;
		struct fw_fence *pt = fw_fence_point(fence, i);
		const char *driver = fw_fence_driver_name(pt);
		const char *timeline = fw_fence_timeline_name(pt);
		int status = fw_fence_get_status(pt);
		w = snprintf(buf + used, len - used, " %s '%s' seqno %" PRIu64 " %s",
			driver != NULL ? driver : "?", timeline != NULL ? timeline : "",
			fw_fence_seqno(pt),
			status == FW_FENCE_PENDING ? "active"
				: status > 0           ? "signalled"
									   : "error");
	}
}

static void es_destroy(struct fw_es *es) {
	fw_es_global_finish(&es->sync_v1);
	fw_es_global_finish(&es->syncobj);
	assert(wl_list_empty(&es->records) && wl_list_empty(&es->clients) &&
		wl_list_empty(&es->timelines));
	if (es->loop_source != NULL) {
		wl_event_source_remove(es->loop_source);
	}
	if (es->loop != NULL) {
		/* Cancels any wait still outstanding (none once clients are gone). */
		fw_loop_destroy(es->loop);
	}
	if (es->drm_fd_owned) {
		close(es->drm_fd);
	}
	free(es);
}

static bool es_init(struct fw_server *server, void **state) {
	if (server->config.no_explicit_sync) {
		wlr_log(WLR_INFO,
			"explicit-sync: disabled (%s); neither "
			"explicit-sync global is advertised",
			FW_NO_EXPLICIT_SYNC_ENV);
		*state = NULL;
		return true;
	}
	struct fw_es *es = calloc(1, sizeof(*es));
	if (es == NULL) {
		return false;
	}
	es->server = server;
	es->display = server->display;
	es->event_loop = wl_display_get_event_loop(server->display);
	es->drm_fd = -1;
	es->syncobj.sub = es->sync_v1.sub = -1;
	wl_list_init(&es->clients);
	wl_list_init(&es->records);
	wl_list_init(&es->timelines);

	es->loop = fw_loop_create();
	if (es->loop == NULL) {
		wlr_log(WLR_ERROR, "explicit-sync: cannot create the fence loop: %s",
			strerror(errno));
		goto error;
	}
	es->loop_source = wl_event_loop_add_fd(es->event_loop,
		fw_loop_get_fd(es->loop), WL_EVENT_READABLE, handle_loop_fd, es);
	if (es->loop_source == NULL) {
		goto error;
	}
	find_drm_device(es);
	if (!fw_linux_drm_syncobj_v1_init(es) ||
		!fw_linux_explicit_sync_v1_init(es)) {
		goto error;
	}
	wlr_log(WLR_INFO,
		"explicit-sync: wp_linux_drm_syncobj_manager_v1 v1 and "
		"zwp_linux_explicit_synchronization_v1 v2 advertised (caps: %d cached "
		"commits per surface, %d timelines per client)",
		FW_COMMIT_MAX_CACHED, FW_ES_MAX_TIMELINES);
	*state = es;
	return true;

error:
	es_destroy(es);
	return false;
}

static void es_finish(struct fw_server *server, void *state) {
	if (state != NULL) {
		es_destroy(state);
	}
}

const struct fw_module fw_explicit_sync_module = {
	.name = "explicit-sync",
	.init = es_init,
	.finish = es_finish,
};
