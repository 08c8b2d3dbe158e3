/*
 * bench/peers/surface.c - a bench surface's buffers and its explicit sync
 * (bench-client.h).
 *
 * The buffers are filled once and never drawn again: the benchmark
 * measures the compositor, so the client does as little as it can between
 * commits.  A buffer is reused once its release has come back by the
 * surface's protocol: wl_buffer.release, a signalled release point, or an
 * immediate/fenced release whose fence has signalled.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/sync.h>

#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "bench-client.h"

void bc_bind_global(struct wtc_conn *conn, uint32_t name,
		    const char *interface, uint32_t version)
{
	struct bc_globals *g = conn->data;

	if (strcmp(interface, wp_linux_drm_syncobj_manager_v1_interface.name) == 0)
		g->syncobj = wl_registry_bind(conn->registry, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
	else if (strcmp(interface, zwp_linux_explicit_synchronization_v1_interface.name) == 0)
		g->explicit_sync = wl_registry_bind(conn->registry, name,
			&zwp_linux_explicit_synchronization_v1_interface, 2);
}

static void buffer_release(void *data, struct wl_buffer *wl)
{
	struct bc_buffer *b = data;

	b->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static struct wp_linux_drm_syncobj_timeline_v1 *import(struct bc_surface *s,
						       struct fw_timeline *tl)
{
	int fd = fw_timeline_export_fd(tl);

	if (fd < 0)
		wtc_die("fw_timeline_export_fd: %s", strerror(-fd));
	/* libwayland dups the fd while marshalling. */
	struct wp_linux_drm_syncobj_timeline_v1 *obj =
		wp_linux_drm_syncobj_manager_v1_import_timeline(s->globals->syncobj, fd);
	close(fd);
	return obj;
}

static struct fw_timeline *new_timeline(const char *name)
{
	struct fw_timeline *tl;
	int err = fw_timeline_create(name, &tl);

	if (err < 0)
		wtc_die("fw_timeline_create: %s", strerror(-err));
	return tl;
}

void bc_surface_init(struct bc_surface *s, struct wtc_conn *conn,
		     struct bc_globals *globals, struct wl_surface *wl,
		     int32_t w, int32_t h, uint32_t pixel, enum bc_sync sync,
		     bool held)
{
	memset(s, 0, sizeof(*s));
	s->conn = conn;
	s->globals = globals;
	s->wl = wl;
	s->width = w;
	s->height = h;
	s->sync = sync;
	s->held = held;

	for (unsigned i = 0; i < BC_BUFFERS; i++) {
		struct bc_buffer *b = &s->buffers[i];

		b->wl = wtc_shm_buffer(conn, w, h, pixel);
		/* With explicit sync the release travels by its protocol. */
		if (sync == BC_SYNC_NONE)
			wl_buffer_add_listener(b->wl, &buffer_listener, b);
	}

	if (sync == BC_SYNC_SYNCOBJ) {
		if (!globals->syncobj)
			wtc_die("no wp_linux_drm_syncobj_manager_v1");
		s->syncobj_surface = wp_linux_drm_syncobj_manager_v1_get_surface(
			globals->syncobj, wl);
		s->acquire_tl = new_timeline("bench acquire");
		s->acquire_obj = import(s, s->acquire_tl);
		for (unsigned i = 0; i < BC_BUFFERS; i++) {
			s->buffers[i].release_tl = new_timeline("bench release");
			s->buffers[i].release_obj = import(s, s->buffers[i].release_tl);
		}
	} else if (sync == BC_SYNC_SYNCFILE) {
		if (!globals->explicit_sync)
			wtc_die("no zwp_linux_explicit_synchronization_v1");
		s->sync_file = zwp_linux_explicit_synchronization_v1_get_synchronization(
			globals->explicit_sync, wl);
		s->fence_context = fw_fence_context_alloc(1);
	}
}

static bool buffer_free(struct bc_buffer *b)
{
	if (!b->busy)
		return true;
	if (b->release_tl) {
		uint64_t value = 0;

		if (fw_timeline_query(b->release_tl, &value) == 0 &&
		    value >= b->release_point)
			b->busy = false;
	} else if (b->release_fence && fw_fence_is_signaled(b->release_fence)) {
		fw_fence_put(b->release_fence);
		b->release_fence = NULL;
		b->busy = false;
	}
	return !b->busy;
}

bool bc_surface_wait_release(struct bc_surface *s, int64_t timeout_ns)
{
	struct bc_buffer *b = &s->buffers[s->next];

	if (b->release_tl)
		fw_timeline_wait(b->release_tl, b->release_point, timeout_ns);
	else if (b->release_fence)
		fw_fence_wait(b->release_fence, timeout_ns);
	else
		return false;
	return true;
}

struct bc_buffer *bc_surface_free_buffer(struct bc_surface *s)
{
	for (unsigned i = 0; i < BC_BUFFERS; i++) {
		struct bc_buffer *b = &s->buffers[(s->next + i) % BC_BUFFERS];

		if (buffer_free(b)) {
			s->next = (unsigned)(b - s->buffers + 1) % BC_BUFFERS;
			return b;
		}
	}
	return NULL;
}

/* ---- syncfile releases ---- */

static void fenced_release(void *data, struct zwp_linux_buffer_release_v1 *rel,
			   int32_t fd)
{
	struct bc_buffer *b = data;

	/* The event is a destructor: the server forgot the object. */
	zwp_linux_buffer_release_v1_destroy(rel);
	b->release = NULL;
	b->release_fence = fw_sync_file_get_fence(fd);
	close(fd);
	if (!b->release_fence)
		wtc_die("fenced_release: not a sync file: %s", strerror(errno));
}

static void immediate_release(void *data, struct zwp_linux_buffer_release_v1 *rel)
{
	struct bc_buffer *b = data;

	zwp_linux_buffer_release_v1_destroy(rel);
	b->release = NULL;
	b->busy = false;
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = fenced_release,
	.immediate_release = immediate_release,
};

/* ---- acquire ---- */

static void syncobj_points(struct bc_surface *s, struct bc_buffer *b,
			   struct wp_linux_drm_syncobj_timeline_v1 *acquire_obj,
			   uint64_t acquire)
{
	wp_linux_drm_syncobj_surface_v1_set_acquire_point(s->syncobj_surface,
		acquire_obj, (uint32_t)(acquire >> 32), (uint32_t)acquire);
	b->release_point++;
	wp_linux_drm_syncobj_surface_v1_set_release_point(s->syncobj_surface,
		b->release_obj, (uint32_t)(b->release_point >> 32),
		(uint32_t)b->release_point);
}

static void signal_point(struct fw_timeline *tl, uint64_t point)
{
	int err = fw_timeline_signal(tl, point);

	if (err < 0)
		wtc_die("fw_timeline_signal: %s", strerror(-err));
}

static void signal_fence(struct fw_fence *fence)
{
	int err = fw_fence_signal(fence, 0);

	if (err < 0)
		wtc_die("fw_fence_signal: %s", strerror(-err));
}

static void syncfile_acquire(struct bc_surface *s, struct bc_buffer *b)
{
	struct fw_fence *fence = fw_fence_create(s->fence_context, s->seq, "bench");

	if (!fence)
		wtc_die("fw_fence_create: %s", strerror(errno));
	if (!s->held)
		signal_fence(fence);
	int fd = fw_sync_file_create(fence);

	if (fd < 0)
		wtc_die("fw_sync_file_create: %s", strerror(-fd));
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s->sync_file, fd);
	close(fd);
	if (s->held)
		s->unsignalled = fence;
	else
		fw_fence_put(fence);

	b->release = zwp_linux_surface_synchronization_v1_get_release(s->sync_file);
	zwp_linux_buffer_release_v1_add_listener(b->release, &release_listener, b);
}

/* Held mode: the previous commit's acquire signals now, just before the
 * next commit goes out, so every commit reaches the compositor pending. */
static void release_held(struct bc_surface *s)
{
	if (s->sync == BC_SYNC_SYNCOBJ && s->held && s->seq > 0) {
		signal_point(s->acquire_tl, s->seq);
	} else if (s->unsignalled) {
		signal_fence(s->unsignalled);
		fw_fence_put(s->unsignalled);
		s->unsignalled = NULL;
	}
}

void bc_surface_attach(struct bc_surface *s, struct bc_buffer *b)
{
	release_held(s);
	s->seq++;
	b->busy = true;
	wl_surface_attach(s->wl, b->wl, 0, 0);
	wl_surface_damage_buffer(s->wl, 0, 0, s->width, s->height);
	if (s->sync == BC_SYNC_SYNCOBJ) {
		if (!s->held)
			signal_point(s->acquire_tl, s->seq);
		syncobj_points(s, b, s->acquire_obj, s->seq);
	} else if (s->sync == BC_SYNC_SYNCFILE) {
		syncfile_acquire(s, b);
	}
}

void bc_surface_attach_pending(struct bc_surface *s, struct bc_buffer *b)
{
	if (s->sync != BC_SYNC_SYNCOBJ)
		wtc_die("pending commits need --sync syncobj");
	s->seq++;
	b->busy = true;
	wl_surface_attach(s->wl, b->wl, 0, 0);
	wl_surface_damage_buffer(s->wl, 0, 0, s->width, s->height);
	syncobj_points(s, b, s->acquire_obj, s->seq);
}

void bc_surface_finish(struct bc_surface *s)
{
	release_held(s);
	for (unsigned i = 0; i < BC_BUFFERS; i++) {
		struct bc_buffer *b = &s->buffers[i];

		if (b->release)
			zwp_linux_buffer_release_v1_destroy(b->release);
		fw_fence_put(b->release_fence);
		if (b->release_obj)
			wp_linux_drm_syncobj_timeline_v1_destroy(b->release_obj);
		fw_timeline_put(b->release_tl);
		wl_buffer_destroy(b->wl);
	}
	if (s->acquire_obj)
		wp_linux_drm_syncobj_timeline_v1_destroy(s->acquire_obj);
	fw_timeline_put(s->acquire_tl);
	if (s->syncobj_surface)
		wp_linux_drm_syncobj_surface_v1_destroy(s->syncobj_surface);
	if (s->sync_file)
		zwp_linux_surface_synchronization_v1_destroy(s->sync_file);
}
