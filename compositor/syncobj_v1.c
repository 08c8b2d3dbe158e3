/*
 * wp_linux_drm_syncobj_manager_v1 (version 1): timelines and points.
 *
 * A client imports a timeline once (import_timeline) and then sets, per
 * commit, an acquire point (when the buffer is ready) and a release point
 * (which fenceway signals when it is done with the buffer).  The points are
 * double-buffered state checked and consumed by the pre-commit hook
 * (surface_sync.c); this file only parses requests and keeps references.
 *
 * Timelines fenceway accepts: a soft timeline of its fence library, always
 * (a fenceway extension: other compositors take DRM syncobjs only), and a
 * DRM syncobj whenever fenceway has a DRM device with timeline support.
 * Anything else is invalid_timeline.  The fd a client sends is closed on
 * every path: the fence library keeps its own dup.
 *
 * Objects:
 *   manager resource   user data: struct fw_es (the module)
 *   timeline resource  user data: struct fw_es_timeline (owns one timeline
 *                      reference; points already set keep their own, so
 *                      destroying the object never unsets a point)
 *   surface resource   user data: struct fw_es_sync_object (surface_sync.h),
 *                      inert once the wl_surface is gone (no_surface)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <fenceway/drm_syncobj.h>
#include <fenceway/timeline.h>
#include "explicit_sync_private.h"
#include "linux-drm-syncobj-v1-protocol.h"
#include "surface_sync.h"

#define SYNCOBJ_MANAGER_VERSION 1

struct fw_es_timeline {
	struct fw_es *es;
	struct fw_timeline *timeline;   /* reference owned */
};

/* ---- wp_linux_drm_syncobj_timeline_v1 ---- */

static void timeline_handle_destroy(struct wl_client *client,
		struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static const struct wp_linux_drm_syncobj_timeline_v1_interface timeline_impl = {
	.destroy = timeline_handle_destroy,
};

static void timeline_handle_resource_destroy(struct wl_resource *resource) {
	struct fw_es_timeline *est = wl_resource_get_user_data(resource);
	/* During client destruction the client record is already gone; the
	 * count goes with it. */
	struct fw_es_client *esc =
		fw_es_client_find(est->es, wl_resource_get_client(resource));
	if (esc != NULL && esc->n_timelines > 0) {
		esc->n_timelines--;
	}
	fw_timeline_put(est->timeline);
	free(est);
}

/* libwayland checked the argument's interface; only we create those. */
static struct fw_es_timeline *timeline_from_resource(
		struct wl_resource *resource) {
	return wl_resource_get_user_data(resource);
}

/* ---- wp_linux_drm_syncobj_surface_v1 ---- */

static void surface_handle_destroy(struct wl_client *client,
		struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void set_point(struct wl_resource *resource,
		struct wl_resource *timeline_resource, uint32_t hi, uint32_t lo,
		bool acquire) {
	struct fw_es_sync_object *obj = wl_resource_get_user_data(resource);
	struct fw_es_surface *ess = obj->ess;
	if (ess == NULL) {
		fw_es_post_error(obj->es, resource,
			WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE,
			"%s point set after the wl_surface was destroyed",
			acquire ? "acquire" : "release");
		return;
	}
	struct fw_es_timeline *est = timeline_from_resource(timeline_resource);
	/* Setting a point twice in one cycle replaces it (no error).  The
	 * pending state takes its own reference: destroying the timeline
	 * object later does not unset the point. */
	struct fw_timeline **slot = acquire ? &ess->pending.acquire_timeline :
		&ess->pending.release_timeline;
	struct fw_timeline *old = *slot;
	*slot = fw_timeline_get(est->timeline);
	fw_timeline_put(old);
	uint64_t point = ((uint64_t)hi << 32) | lo;
	if (acquire) {
		ess->pending.acquire_point = point;
	} else {
		ess->pending.release_point = point;
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

static void surface_handle_resource_destroy(struct wl_resource *resource) {
	struct fw_es_sync_object *obj = wl_resource_get_user_data(resource);
	if (obj->ess != NULL) {
		/* Points set since the last commit are discarded; committed ones
		 * (and the releases they owe) stay with their commits. */
		fw_es_state_finish(&obj->ess->pending);
	}
	fw_es_sync_object_destroy(obj);
}

/* ---- wp_linux_drm_syncobj_manager_v1 ---- */

static void manager_handle_destroy(struct wl_client *client,
		struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void manager_handle_get_surface(struct wl_client *client,
		struct wl_resource *resource, uint32_t id,
		struct wl_resource *surface_resource) {
	fw_es_sync_object_create(wl_resource_get_user_data(resource),
		FW_ES_SYNCOBJ_V1, resource, surface_resource,
		WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS, id,
		&wp_linux_drm_syncobj_surface_v1_interface, &surface_impl,
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
	if (esc == NULL) {
		close(fd);
		return;
	}
	if (esc->n_timelines >= FW_ES_MAX_TIMELINES) {
		close(fd);
		fw_es_post_cap_error(es, client,
			"explicit sync: more than %d timelines imported by one client "
			"(limit FW_ES_MAX_TIMELINES)", FW_ES_MAX_TIMELINES);
		return;
	}

	struct fw_timeline *timeline = NULL;
	int ret = import_timeline_fd(es, fd, &timeline);
	/* Whatever happened, the fd the client sent is ours to close: the
	 * timeline keeps its own dup. */
	close(fd);
	if (ret < 0) {
		fw_es_post_error(es, resource,
			WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE,
			"the fd is not a timeline fenceway can import (a fenceway soft "
			"timeline%s): %s", es->drm_fd >= 0 ?
			" or a DRM syncobj" : "; no DRM device with syncobj timelines",
			strerror(-ret));
		return;
	}

	struct fw_es_timeline *est = calloc(1, sizeof(*est));
	if (est == NULL) {
		fw_timeline_put(timeline);
		wl_client_post_no_memory(client);
		return;
	}
	est->es = es;
	est->timeline = timeline;
	struct wl_resource *timeline_resource = wl_resource_create(client,
		&wp_linux_drm_syncobj_timeline_v1_interface,
		wl_resource_get_version(resource), id);
	if (timeline_resource == NULL) {
		fw_timeline_put(timeline);
		free(est);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(timeline_resource, &timeline_impl, est,
		timeline_handle_resource_destroy);
	esc->n_timelines++;
}

static const struct wp_linux_drm_syncobj_manager_v1_interface manager_impl = {
	.destroy = manager_handle_destroy,
	.get_surface = manager_handle_get_surface,
	.import_timeline = manager_handle_import_timeline,
};

bool fw_syncobj_v1_init(struct fw_es *es) {
	return fw_es_global_init(&es->syncobj, es,
		&wp_linux_drm_syncobj_manager_v1_interface, SYNCOBJ_MANAGER_VERSION,
		&manager_impl);
}
