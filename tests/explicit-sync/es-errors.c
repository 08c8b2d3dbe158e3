/*
 * Protocol errors, one scenario each: the exact interface, object and code
 * the client receives (es_expect_error exits 0 on a match, 1 otherwise).
 * Plain wl_surfaces without a role are enough here: the rules are checked
 * on wl_surface.commit whatever the role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fenceway/libsync.h>
#include "es-client.h"
#include "es-scenarios.h"

static uint32_t id_of(void *proxy) {
	return wl_proxy_get_id(proxy);
}

struct so_setup {
	struct es_conn *c;
	struct wl_surface *surface;
	struct wp_linux_drm_syncobj_surface_v1 *so;
	struct es_timeline *tl;
	struct wl_buffer *buffer;
};

static void so_setup(struct so_setup *s) {
	s->c = es_connect();
	s->surface = wl_compositor_create_surface(s->c->wl.compositor);
	s->so = wp_linux_drm_syncobj_manager_v1_get_surface(s->c->syncobj,
		s->surface);
	s->tl = es_timeline_new(s->c, "es-errors");
	es_timeline_signal(s->tl, 1);
	s->buffer = es_buffer(s->c, 32, 32, ES_RED);
	es_expect_no_error(s->c);
}

#define SO_SURFACE_ERROR(code) \
	es_expect_error(s.c, &wp_linux_drm_syncobj_surface_v1_interface, \
		id_of(s.so), WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_##code)

/* ---- wp_linux_drm_syncobj_manager_v1 ---- */

int so_surface_exists(void) {
	struct so_setup s;
	so_setup(&s);
	wp_linux_drm_syncobj_manager_v1_get_surface(s.c->syncobj, s.surface);
	es_expect_error(s.c, &wp_linux_drm_syncobj_manager_v1_interface,
		id_of(s.c->syncobj),
		WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS);
}

int so_after_sync_v1(void) {
	struct es_conn *c = es_connect();
	struct wl_surface *surface = wl_compositor_create_surface(c->wl.compositor);
	zwp_linux_explicit_synchronization_v1_get_synchronization(c->sync_v1,
		surface);
	wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, surface);
	es_expect_error(c, &wp_linux_drm_syncobj_manager_v1_interface,
		id_of(c->syncobj),
		WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS);
}

int so_invalid_timeline(void) {
	struct es_conn *c = es_connect();
	int fds[2];
	if (pipe(fds) < 0) {
		wtc_die("pipe");
	}
	wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj, fds[0]);
	es_expect_error(c, &wp_linux_drm_syncobj_manager_v1_interface,
		id_of(c->syncobj),
		WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE);
}

int so_invalid_timeline_sync_file(void) {
	/* A sync file is not a timeline. */
	struct es_conn *c = es_connect();
	wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj,
		es_signalled_fence("es-test"));
	es_expect_error(c, &wp_linux_drm_syncobj_manager_v1_interface,
		id_of(c->syncobj),
		WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE);
}

/* ---- wp_linux_drm_syncobj_surface_v1 ---- */

int so_no_surface_acquire(void) {
	struct so_setup s;
	so_setup(&s);
	wl_surface_destroy(s.surface);
	es_set_acquire(s.so, s.tl, 1);
	SO_SURFACE_ERROR(NO_SURFACE);
}

int so_no_surface_release(void) {
	struct so_setup s;
	so_setup(&s);
	wl_surface_destroy(s.surface);
	es_set_release(s.so, s.tl, 2);
	SO_SURFACE_ERROR(NO_SURFACE);
}

int so_no_buffer_acquire(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 1);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_BUFFER);
}

int so_no_buffer_release(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_release(s.so, s.tl, 2);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_BUFFER);
}

int so_no_buffer_both(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 1);
	es_set_release(s.so, s.tl, 2);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_BUFFER);
}

int so_no_buffer_null_attach(void) {
	/* Points belong to a non-NULL buffer: a NULL attach with points is
	 * "no buffer". */
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 1);
	es_set_release(s.so, s.tl, 2);
	es_attach(s.surface, NULL);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_BUFFER);
}

int so_no_buffer_before_conflict(void) {
	/* Order of the checks: no_buffer comes before conflicting_points. */
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 5);
	es_set_release(s.so, s.tl, 5);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_BUFFER);
}

int so_no_acquire_point(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_release(s.so, s.tl, 2);
	es_attach(s.surface, s.buffer);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_ACQUIRE_POINT);
}

int so_no_acquire_before_release(void) {
	/* Order of the checks: no_acquire_point before no_release_point. */
	struct so_setup s;
	so_setup(&s);
	es_attach(s.surface, s.buffer);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_ACQUIRE_POINT);
}

int so_no_release_point(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 1);
	es_attach(s.surface, s.buffer);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(NO_RELEASE_POINT);
}

int so_conflicting_equal(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 3);
	es_set_release(s.so, s.tl, 3);
	es_attach(s.surface, s.buffer);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(CONFLICTING_POINTS);
}

int so_conflicting_greater(void) {
	struct so_setup s;
	so_setup(&s);
	es_set_acquire(s.so, s.tl, 4);
	es_set_release(s.so, s.tl, 3);
	es_attach(s.surface, s.buffer);
	wl_surface_commit(s.surface);
	SO_SURFACE_ERROR(CONFLICTING_POINTS);
}

/* ---- zwp_linux_explicit_synchronization_v1 ---- */

struct v1_setup {
	struct es_conn *c;
	struct wl_surface *surface;
	struct zwp_linux_surface_synchronization_v1 *sync;
};

static void v1_setup(struct v1_setup *s) {
	s->c = es_connect();
	s->surface = wl_compositor_create_surface(s->c->wl.compositor);
	s->sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		s->c->sync_v1, s->surface);
	es_expect_no_error(s->c);
}

#define V1_SURFACE_ERROR(code) \
	es_expect_error(s.c, &zwp_linux_surface_synchronization_v1_interface, \
		id_of(s.sync), ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_##code)

int v1_synchronization_exists(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_explicit_synchronization_v1_get_synchronization(s.c->sync_v1,
		s.surface);
	es_expect_error(s.c, &zwp_linux_explicit_synchronization_v1_interface,
		id_of(s.c->sync_v1),
		ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS);
}

int v1_after_syncobj(void) {
	struct es_conn *c = es_connect();
	struct wl_surface *surface = wl_compositor_create_surface(c->wl.compositor);
	wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, surface);
	zwp_linux_explicit_synchronization_v1_get_synchronization(c->sync_v1,
		surface);
	es_expect_error(c, &zwp_linux_explicit_synchronization_v1_interface,
		id_of(c->sync_v1),
		ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS);
}

int v1_invalid_fence(void) {
	struct v1_setup s;
	v1_setup(&s);
	int fds[2];
	if (pipe(fds) < 0) {
		wtc_die("pipe");
	}
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync, fds[0]);
	V1_SURFACE_ERROR(INVALID_FENCE);
}

int v1_invalid_fence_timeline(void) {
	/* A timeline is not a sync file. */
	struct v1_setup s;
	v1_setup(&s);
	int tl = sw_sync_timeline_create();
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync, tl);
	V1_SURFACE_ERROR(INVALID_FENCE);
}

int v1_no_surface_fence(void) {
	struct v1_setup s;
	v1_setup(&s);
	wl_surface_destroy(s.surface);
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync,
		es_signalled_fence("es-test"));
	V1_SURFACE_ERROR(NO_SURFACE);
}

int v1_no_surface_release(void) {
	struct v1_setup s;
	v1_setup(&s);
	wl_surface_destroy(s.surface);
	zwp_linux_surface_synchronization_v1_get_release(s.sync);
	V1_SURFACE_ERROR(NO_SURFACE);
}

int v1_duplicate_fence(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync,
		es_signalled_fence("es-test"));
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync,
		es_signalled_fence("es-test"));
	V1_SURFACE_ERROR(DUPLICATE_FENCE);
}

int v1_duplicate_release(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_surface_synchronization_v1_get_release(s.sync);
	zwp_linux_surface_synchronization_v1_get_release(s.sync);
	V1_SURFACE_ERROR(DUPLICATE_RELEASE);
}

int v1_no_buffer_fence(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync,
		es_signalled_fence("es-test"));
	wl_surface_commit(s.surface);
	V1_SURFACE_ERROR(NO_BUFFER);
}

int v1_no_buffer_release(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_surface_synchronization_v1_get_release(s.sync);
	wl_surface_commit(s.surface);
	V1_SURFACE_ERROR(NO_BUFFER);
}

int v1_no_buffer_null_attach(void) {
	struct v1_setup s;
	v1_setup(&s);
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s.sync,
		es_signalled_fence("es-test"));
	es_attach(s.surface, NULL);
	wl_surface_commit(s.surface);
	V1_SURFACE_ERROR(NO_BUFFER);
}
