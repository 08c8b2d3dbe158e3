/*
 * wp_linux_drm_syncobj_manager_v1 (version 1): timelines and points.
 *
 * A client imports a timeline once (import_timeline) and then sets, per
 * commit, an acquire point (when the buffer is ready) and a release point
 * (which fenceway signals when it is done with the buffer).  The points are
 * double-buffered state; at wl_surface.commit (the commit tracker's request
 * hook) they are checked, in the order wlroots uses -- no_buffer,
 * no_acquire_point, no_release_point, conflicting_points -- and move into
 * the commit's record.  The commit is held until its acquire point
 * signals; the release point is signalled when the tracker retires it.
 *
 * Timelines fenceway accepts: a soft timeline of its fence library, always
 * (a fenceway extension: other compositors take DRM syncobjs only), and a
 * DRM syncobj whenever fenceway has a DRM device with timeline support.
 * Anything else is invalid_timeline.  The fd a client sends is closed on
 * every path: the fence library keeps its own dup, which is charged to the
 * client's fd budget (a pin, explicit_sync_private.h) for as long as
 * anything of the client's holds it -- the timeline object, a point set,
 * a commit -- and a held commit's wait to its wait budget.
 *
 * Objects:
 *   manager resource   user data: struct fw_es (the module)
 *   timeline resource  user data: struct so_timeline (holds the pin;
 *                      points already set hold it too, so destroying the
 *                      object never unsets a point)
 *   surface resource   user data: struct so_surface, owned by the
 *                      resource; inert (surface NULL) once the wl_surface
 *                      is gone: its requests then fail with no_surface
 *   commit record      struct so_commit, our slot on the tracker's commit
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#include <fenceway/drm_syncobj.h>
#include <fenceway/fence.h>
#include <fenceway/timeline.h>
#include "commit.h"
#include "explicit_sync_private.h"
#include "linux-drm-syncobj-v1-protocol.h"

#define SYNCOBJ_MANAGER_VERSION 1

struct so_timeline {
	struct fw_es *es;
	struct fw_es_timeline *pin; /* a holder's reference */
	/* Which timeline object: imports of one timeline share the library's
	 * fw_timeline (deduplicated by inode), but conflicting_points is about
	 * the object.  Never reused, unlike the struct's address. */
	uint64_t id;
};

/* A pair of points (holders' references to the pins) and the objects they
 * were set on. */
struct so_points {
	struct fw_es_timeline *acquire_timeline;
	uint64_t acquire_point, acquire_object;
	struct fw_es_timeline *release_timeline;
	uint64_t release_point, release_object;
};

struct so_surface {
	struct fw_es *es;
	struct wl_resource *resource;
	struct wlr_surface *surface; /* NULL once gone */
	struct wlr_addon addon;      /* on surface->addons, owner es */
	struct so_points pending;
};

struct so_commit {
	struct fw_es_record base;
	struct so_points points;
};

static void so_describe_wait(const struct fw_commit *commit, void *data,
	char *buf, size_t len) {
	struct so_commit *rec = wl_container_of(data, rec, base);
	fw_es_describe_point(rec->points.acquire_timeline->timeline,
		rec->points.acquire_point, buf, len);
}

static void points_finish(struct so_points *points) {
	fw_es_timeline_unref(points->acquire_timeline);
	fw_es_timeline_unref(points->release_timeline);
	memset(points, 0, sizeof(*points));
}

/* ---- wp_linux_drm_syncobj_timeline_v1 ---- */

static void timeline_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static const struct wp_linux_drm_syncobj_timeline_v1_interface timeline_impl = {
	.destroy = timeline_handle_destroy,
};

static struct so_timeline *timeline_from_resource(
	struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource,
		&wp_linux_drm_syncobj_timeline_v1_interface, &timeline_impl));
	return wl_resource_get_user_data(resource);
}

static void timeline_handle_resource_destroy(struct wl_resource *resource) {
	struct so_timeline *tl = timeline_from_resource(resource);
	/* During client destruction the client record is already gone; the
	 * count goes with it. */
	struct fw_es_client *esc =
		fw_es_client_find(tl->es, wl_resource_get_client(resource));
	if (esc != NULL) {
		assert(esc->n_timelines > 0);
		esc->n_timelines--;
	}
	fw_es_timeline_unref(tl->pin);
	free(tl);
}

/* ---- wp_linux_drm_syncobj_surface_v1 ---- */

static const struct wp_linux_drm_syncobj_surface_v1_interface surface_impl;

static struct so_surface *surface_from_resource(struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource,
		&wp_linux_drm_syncobj_surface_v1_interface, &surface_impl));
	return wl_resource_get_user_data(resource);
}

static void surface_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void set_point(struct wl_resource *resource,
	struct wl_resource *timeline_resource, uint32_t hi, uint32_t lo,
	bool acquire) {
	struct so_surface *sos = surface_from_resource(resource);
	if (sos->surface == NULL) {
		fw_es_post_error(sos->es, resource,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE,
			"no_surface: %s point set after the wl_surface was destroyed",
			acquire ? "acquire" : "release");
		return;
	}
	struct so_timeline *tl = timeline_from_resource(timeline_resource);
	/* Setting a point twice in one cycle replaces it (no error).  The
	 * pending state takes its own reference: destroying the timeline
	 * object later does not unset the point. */
	struct fw_es_timeline **slot = acquire ? &sos->pending.acquire_timeline
										   : &sos->pending.release_timeline;
	struct fw_es_timeline *old = *slot;
	*slot = fw_es_timeline_ref(tl->pin);
	fw_es_timeline_unref(old);
	uint64_t point = ((uint64_t)hi << 32) | lo;
	if (acquire) {
		sos->pending.acquire_point = point;
		sos->pending.acquire_object = tl->id;
	} else {
		sos->pending.release_point = point;
		sos->pending.release_object = tl->id;
	}
}

static void surface_handle_set_acquire_point(struct wl_client *client,
	struct wl_resource *resource, struct wl_resource *timeline,
	uint32_t point_hi, uint32_t point_lo) {
	set_point(resource, timeline, point_hi, point_lo, true);
}

static void surface_handle_set_release_point(struct wl_client *client,
	struct wl_resource *resource, struct wl_resource *timeline,
	uint32_t point_hi, uint32_t point_lo) {
	set_point(resource, timeline, point_hi, point_lo, false);
}

static const struct wp_linux_drm_syncobj_surface_v1_interface surface_impl = {
	.destroy = surface_handle_destroy,
	.set_acquire_point = surface_handle_set_acquire_point,
	.set_release_point = surface_handle_set_release_point,
};

/* The wl_surface goes first: the object stays for the client to destroy,
 * inert.  Points set since the last commit go with it. */
static void surface_addon_destroy(struct wlr_addon *addon) {
	struct so_surface *sos = wl_container_of(addon, sos, addon);
	points_finish(&sos->pending);
	sos->surface = NULL;
	wlr_addon_finish(&sos->addon);
}

static const struct wlr_addon_interface surface_addon_impl = {
	.name = "wp_linux_drm_syncobj_surface_v1",
	.destroy = surface_addon_destroy,
};

static void surface_handle_resource_destroy(struct wl_resource *resource) {
	struct so_surface *sos = surface_from_resource(resource);
	if (sos->surface != NULL) {
		/* Points set since the last commit are discarded; committed ones
		 * (and the releases they owe) stay with their commits. */
		fw_es_unclaim(sos->es, sos->surface);
		surface_addon_destroy(&sos->addon);
	}
	free(sos);
}

/* ---- the commit hooks ---- */

/* Post the broken rule; the tracker keeps the commit from being applied. */
static bool reject(struct so_surface *sos, uint32_t code, const char *rule) {
	fw_es_post_error(sos->es, sos->resource, code, "%s", rule);
	return false;
}

/* false (error posted) if the commit breaks a rule. */
static bool check_rules(struct so_surface *sos, bool has_buffer) {
	const struct so_points *p = &sos->pending;
	if (!has_buffer) {
		if (p->acquire_timeline == NULL && p->release_timeline == NULL) {
			return true;
		}
		return reject(sos, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER,
			p->acquire_timeline != NULL && p->release_timeline != NULL
				? "no_buffer: acquire and release points set without a buffer"
				: p->acquire_timeline != NULL
				? "no_buffer: acquire point set without a buffer attached"
				: "no_buffer: release point set without a buffer attached");
	}
	if (p->acquire_timeline == NULL) {
		return reject(sos,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT,
			"no_acquire_point: buffer attached without an acquire point");
	}
	if (p->release_timeline == NULL) {
		return reject(sos,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT,
			"no_release_point: buffer attached without a release point");
	}
	if (p->acquire_object == p->release_object &&
		p->acquire_point >= p->release_point) {
		return reject(sos,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS,
			"conflicting_points: acquire point must be lower than the "
			"release point on the same timeline");
	}
	return true;
}

static bool so_handle_request(struct fw_commit *commit, void *data) {
	struct fw_es_global *g = data;
	struct fw_es *es = g->es;
	struct wlr_surface *surface = fw_commit_surface(commit);
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &surface_addon_impl);
	if (addon == NULL || fw_es_client_failed(es, fw_commit_client(commit))) {
		/* No object (plain implicit behaviour), or a client we posted an
		 * error to: it gets nothing more from us. */
		return true;
	}
	struct so_surface *sos = wl_container_of(addon, sos, addon);
	bool has_buffer =
		fw_commit_attaches(commit) && !fw_commit_null_attach(commit);
	if (!check_rules(sos, has_buffer)) {
		return false;
	}
	if (fw_commit_over_cap(commit)) {
		fw_es_post_cap_error(es, fw_commit_client(commit), "%s",
			FW_COMMIT_CAP_MESSAGE);
		return false;
	}
	if (!has_buffer) {
		/* No points either (the rules made sure): nothing to record. */
		return true;
	}
	struct so_commit *rec = calloc(1, sizeof(*rec));
	struct fw_fence *fence = rec != NULL
		? fw_timeline_point_fence(sos->pending.acquire_timeline->timeline,
			  sos->pending.acquire_point)
		: NULL;
	if (fence == NULL) {
		free(rec);
		fw_es_post_no_memory(es, fw_commit_client(commit));
		return false;
	}
	if (!fw_es_record_init(&rec->base, es, commit)) {
		fw_fence_put(fence);
		free(rec);
		return false;
	}
	rec->points = sos->pending;
	memset(&sos->pending, 0, sizeof(sos->pending));
	fw_commit_set_slot(commit, g->sub, rec);
	bool ok = fw_es_record_wait(&rec->base, fence, rec->points.acquire_timeline,
		fw_timeline_name(rec->points.acquire_timeline->timeline),
		rec->points.acquire_point, so_describe_wait);
	fw_fence_put(fence);
	return ok;
}

/* Superseded and read: signal the release point. */
static void so_handle_retired(struct fw_commit *commit, void *data) {
	struct fw_es_global *g = data;
	struct so_commit *rec = fw_commit_get_slot(commit, g->sub);
	if (rec == NULL) {
		return;
	}
	fw_commit_set_slot(commit, g->sub, NULL);
	struct fw_timeline *release = rec->points.release_timeline->timeline;
	int ret = fw_timeline_signal(release, rec->points.release_point);
	if (ret < 0) {
		wlr_log(WLR_ERROR,
			"explicit-sync: signalling release point %" PRIu64
			" on timeline '%s' failed: %s",
			rec->points.release_point, fw_timeline_name(release),
			strerror(-ret));
	}
	fw_es_record_finish(&rec->base);
	points_finish(&rec->points);
	free(rec);
}

static const struct fw_commit_hooks so_hooks = {
	.request = so_handle_request,
	.retired = so_handle_retired,
};

/* ---- wp_linux_drm_syncobj_manager_v1 ---- */

static void manager_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void manager_handle_get_surface(struct wl_client *client,
	struct wl_resource *resource, uint32_t id,
	struct wl_resource *surface_resource) {
	struct fw_es *es = wl_resource_get_user_data(resource);
	struct wlr_surface *surface = wlr_surface_from_resource(surface_resource);
	if (fw_es_client_get(es, client) == NULL ||
		!fw_es_claim(es, surface, FW_ES_SYNCOBJ_V1, resource,
			WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS)) {
		return;
	}
	struct so_surface *sos = calloc(1, sizeof(*sos));
	if (sos != NULL) {
		sos->resource = wl_resource_create(client,
			&wp_linux_drm_syncobj_surface_v1_interface,
			wl_resource_get_version(resource), id);
	}
	if (sos == NULL || sos->resource == NULL) {
		free(sos);
		fw_es_unclaim(es, surface);
		fw_es_post_no_memory(es, client);
		return;
	}
	sos->es = es;
	sos->surface = surface;
	wlr_addon_init(&sos->addon, &surface->addons, es, &surface_addon_impl);
	wl_resource_set_implementation(sos->resource, &surface_impl, sos,
		surface_handle_resource_destroy);
}

/* Soft timeline first (works everywhere), then the DRM device if any. */
static int import_timeline_fd(struct fw_es *es, int fd,
	struct fw_timeline **out) {
	int ret = fw_timeline_import(fd, out);
	if (ret == 0 || es->drm_fd < 0) {
		return ret;
	}
	int drm_ret = fw_timeline_import_drm_syncobj(es->drm_fd, fd, out);
	return drm_ret == 0 ? 0 : ret;
}

static void manager_handle_import_timeline(struct wl_client *client,
	struct wl_resource *resource, uint32_t id, int fd) {
	struct fw_es *es = wl_resource_get_user_data(resource);
	struct fw_es_client *esc = fw_es_client_get(es, client);
	struct fw_client *owner =
		esc != NULL ? fw_es_client_record(es, client) : NULL;
	if (owner == NULL) {
		close(fd);
		return;
	}
	if (esc->n_timelines >= FW_ES_MAX_TIMELINES) {
		close(fd);
		fw_es_post_cap_error(es, client,
			"FW_ES_MAX_TIMELINES: more than %d "
			"timelines imported by one client",
			FW_ES_MAX_TIMELINES);
		return;
	}

	struct fw_timeline *timeline = NULL;
	int ret = import_timeline_fd(es, fd, &timeline);
	/* Whatever happened, the fd the client sent is ours to close: the
	 * timeline keeps its own dup. */
	close(fd);
	if (ret < 0) {
		/* Rule and cause first: the kinds accepted come last. */
		fw_es_post_error(es, resource,
			WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE,
			"invalid_timeline: cannot import timeline: %s (a fenceway soft "
			"timeline%s)",
			strerror(-ret),
			es->drm_fd >= 0 ? " or a DRM syncobj" : "; no DRM syncobj device");
		return;
	}
	struct fw_es_timeline *pin = NULL;
	ret = fw_es_timeline_pin(es, owner, timeline, &pin);
	if (ret == -EDQUOT) {
		fw_es_post_budget_error(es, client, FW_BUDGET_FDS,
			"a timeline import (%" PRIu32 " fds pinned)",
			owner->charged[FW_BUDGET_FDS]);
		return;
	}
	struct so_timeline *tl = ret == 0 ? calloc(1, sizeof(*tl)) : NULL;
	struct wl_resource *timeline_resource = tl == NULL
		? NULL
		: wl_resource_create(client,
			  &wp_linux_drm_syncobj_timeline_v1_interface,
			  wl_resource_get_version(resource), id);
	if (timeline_resource == NULL) {
		fw_es_timeline_unref(pin);
		free(tl);
		fw_es_post_no_memory(es, client);
		return;
	}
	static uint64_t next_id;
	tl->es = es;
	tl->pin = pin;
	tl->id = ++next_id;
	wl_resource_set_implementation(timeline_resource, &timeline_impl, tl,
		timeline_handle_resource_destroy);
	esc->n_timelines++;
}

static const struct wp_linux_drm_syncobj_manager_v1_interface manager_impl = {
	.destroy = manager_handle_destroy,
	.get_surface = manager_handle_get_surface,
	.import_timeline = manager_handle_import_timeline,
};

bool fw_linux_drm_syncobj_v1_init(struct fw_es *es) {
	return fw_es_global_init(&es->syncobj, es,
		&wp_linux_drm_syncobj_manager_v1_interface, SYNCOBJ_MANAGER_VERSION,
		&manager_impl, &so_hooks);
}
