/*
 * clients/demo/backend_syncobj.c - wp_linux_drm_syncobj_manager_v1 with
 * soft timelines from sync/.
 *
 * fenceway accepts a soft timeline memfd where upstream expects a DRM
 * syncobj (a fenceway extension, docs/explicit-sync.md), which is what lets this
 * demo run without a GPU.  One acquire timeline, point = frame number;
 * one release timeline per buffer.  After a misbehaving frame the acquire
 * timeline is retired and a fresh one is used: on a timeline, signalling
 * point K+1 also signals K, so a "never signalled" point K must live on a
 * timeline nobody advances again, and a timeline put in error stays so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/sync.h>
#include <wayland-client.h>

#include "linux-drm-syncobj-v1-client-protocol.h"
#include "app.h"
#include "backend.h"
#include "junk.h"

/* At most: the first acquire timeline, retired once, plus one junk one. */
#define MAX_RETIRED 4

struct syncobj_state {
	struct wp_linux_drm_syncobj_surface_v1 *surface;
	struct fw_timeline *acquire_tl;
	struct wp_linux_drm_syncobj_timeline_v1 *acquire_obj;
	/* Timeline objects we stopped using; destroyed at exit (destroying
	 * them earlier would be allowed too: points already set stay). */
	struct wp_linux_drm_syncobj_timeline_v1 *retired[MAX_RETIRED];
	unsigned nretired;
};

static void retire(struct syncobj_state *st,
		   struct wp_linux_drm_syncobj_timeline_v1 *obj)
{
	if (st->nretired < MAX_RETIRED)
		st->retired[st->nretired++] = obj;
	else
		wp_linux_drm_syncobj_timeline_v1_destroy(obj);
}

/* Export @tl's fd and import it into the compositor. */
static struct wp_linux_drm_syncobj_timeline_v1 *import(struct demo_app *app,
						       struct fw_timeline *tl)
{
	int fd = fw_timeline_export_fd(tl);
	if (fd < 0) {
		fprintf(stderr, "fw_timeline_export_fd: %s\n", strerror(-fd));
		return NULL;
	}
	/* libwayland dups the fd while marshalling; ours is closed now. */
	struct wp_linux_drm_syncobj_timeline_v1 *obj =
		wp_linux_drm_syncobj_manager_v1_import_timeline(
			app->display.syncobj_manager, fd);
	close(fd);
	return obj;
}

static int new_acquire_timeline(struct demo_app *app, struct syncobj_state *st)
{
	struct fw_timeline *tl;
	int err = fw_timeline_create("fenceway-demo acquire", &tl);
	if (err < 0) {
		fprintf(stderr, "fw_timeline_create: %s\n", strerror(-err));
		return -1;
	}
	struct wp_linux_drm_syncobj_timeline_v1 *obj = import(app, tl);
	if (!obj) {
		fw_timeline_put(tl);
		return -1;
	}
	if (st->acquire_obj)
		retire(st, st->acquire_obj);
	fw_timeline_put(st->acquire_tl);
	st->acquire_tl = tl;
	st->acquire_obj = obj;
	return 0;
}

static int syncobj_init(struct demo_app *app)
{
	struct syncobj_state *st = demo_backend_state_new(
		app, app->display.syncobj_manager,
		"wp_linux_drm_syncobj_manager_v1", sizeof(*st));
	if (!st)
		return -1;
	st->surface = wp_linux_drm_syncobj_manager_v1_get_surface(
		app->display.syncobj_manager, app->toplevel.surface);
	if (new_acquire_timeline(app, st) < 0)
		return -1;

	for (unsigned i = 0; i < app->pool.count; i++) {
		struct demo_buffer *b = &app->pool.buffers[i];
		char name[64];
		snprintf(name, sizeof(name), "fenceway-demo release %u", i);
		int err = fw_timeline_create(name, &b->release_tl);
		if (err < 0) {
			fprintf(stderr, "fw_timeline_create: %s\n",
				strerror(-err));
			return -1;
		}
		b->release_tl_obj = import(app, b->release_tl);
		if (!b->release_tl_obj)
			return -1;
	}
	return 0;
}

static void syncobj_finish(struct demo_app *app)
{
	struct syncobj_state *st = app->backend_data;

	for (unsigned i = 0; app->pool.buffers && i < app->pool.count; i++) {
		struct demo_buffer *b = &app->pool.buffers[i];
		if (b->release_tl_obj)
			wp_linux_drm_syncobj_timeline_v1_destroy(
				b->release_tl_obj);
		b->release_tl_obj = NULL;
		fw_timeline_put(b->release_tl);
		b->release_tl = NULL;
	}
	if (!st)
		return;
	for (unsigned i = 0; i < st->nretired; i++)
		wp_linux_drm_syncobj_timeline_v1_destroy(st->retired[i]);
	if (st->acquire_obj)
		wp_linux_drm_syncobj_timeline_v1_destroy(st->acquire_obj);
	fw_timeline_put(st->acquire_tl);
	if (st->surface)
		wp_linux_drm_syncobj_surface_v1_destroy(st->surface);
	free(st);
	app->backend_data = NULL;
}

static int syncobj_prepare(struct demo_app *app, struct demo_job *job)
{
	struct syncobj_state *st = app->backend_data;
	struct demo_buffer *b = job->buffer;
	uint32_t hi = (uint32_t)(job->seq >> 32), lo = (uint32_t)job->seq;
	enum fwd_misbehave m = app->opts.misbehave;
	bool misbehaving = m && job->seq == app->opts.misbehave_frame;

	if (misbehaving &&
	    (m == FWD_MISBEHAVE_JUNK_FD || m == FWD_MISBEHAVE_JUNK_PIPE ||
	     m == FWD_MISBEHAVE_JUNK_MEMFD)) {
		int fd = demo_junk_fd(m);
		if (fd < 0)
			return -1;
		struct wp_linux_drm_syncobj_timeline_v1 *junk =
			wp_linux_drm_syncobj_manager_v1_import_timeline(
				app->display.syncobj_manager, fd);
		close(fd);
		retire(st, junk);
		wp_linux_drm_syncobj_surface_v1_set_acquire_point(st->surface,
								  junk, hi, lo);
	} else {
		wp_linux_drm_syncobj_surface_v1_set_acquire_point(
			st->surface, st->acquire_obj, hi, lo);
		job->acquire_tl = fw_timeline_get(st->acquire_tl);
	}
	b->release_point++;
	wp_linux_drm_syncobj_surface_v1_set_release_point(
		st->surface, b->release_tl_obj,
		(uint32_t)(b->release_point >> 32), (uint32_t)b->release_point);

	/* Later frames go on a fresh timeline (see the top of this file). */
	if (misbehaving && (job->no_signal || job->signal_error))
		return new_acquire_timeline(app, st);
	return 0;
}

static void release_signalled(struct fw_wait *wait, struct fw_fence *fence,
			      void *data)
{
	struct demo_buffer *b = data;
	struct demo_app *app = b->app;
	int status = fw_fence_get_status(fence);

	b->release_wait = NULL;
	app->stats.rel_timeline++;
	if (status < 0) {
		/* The compositor put our release timeline in error: the
		 * buffer is free anyway (nothing reads it any more). */
		fprintf(stderr,
			"buffer %u: release point %" PRIu64 " failed: %s\n",
			b->index, b->release_point, strerror(-status));
		app->stats.fence_errors++;
	}
	demo_app_buffer_released(app, b);
}

static int syncobj_committed(struct demo_app *app, struct demo_job *job)
{
	struct demo_buffer *b = job->buffer;
	b->release_wait =
		fw_loop_wait_point(app->fence_loop, b->release_tl,
				   b->release_point, release_signalled, b);
	if (!b->release_wait) {
		fprintf(stderr, "fw_loop_wait_point: %m\n");
		return -1;
	}
	return 0;
}

static void syncobj_signal(struct demo_job *job, int status)
{
	int err = status ? fw_timeline_set_error(job->acquire_tl, status)
			 : fw_timeline_signal(job->acquire_tl, job->seq);
	if (err < 0) {
		fprintf(stderr,
			"frame %" PRIu64
			": cannot signal the acquire point: %s\n",
			job->seq, strerror(-err));
		__atomic_add_fetch(&job->frame->stats->thread_errors, 1,
				   __ATOMIC_RELAXED);
	}
}

const struct demo_backend demo_backend_syncobj = {
	.name = "syncobj",
	.commit_after_render = false,
	.init = syncobj_init,
	.finish = syncobj_finish,
	.prepare = syncobj_prepare,
	.committed = syncobj_committed,
	.signal = syncobj_signal,
};
