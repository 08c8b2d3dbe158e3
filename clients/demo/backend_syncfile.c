/*
 * clients/demo/backend_syncfile.c - zwp_linux_explicit_synchronization_v1
 * with soft sync files from sync/.
 *
 * Acquire: a fence per frame, wrapped in a soft sync file; the render
 * thread signals the fence, the compositor sees the file become readable.
 * Release: a zwp_linux_buffer_release_v1 per commit.  fenced_release hands
 * us a sync file (fenceway sends a soft one early when the superseding
 * commit is itself held, docs/explicit-sync.md): the buffer is free once it signals;
 * immediate_release frees it at once.  wl_buffer.release is ignored here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/sync.h>
#include <wayland-client.h>

#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "app.h"
#include "backend.h"
#include "junk.h"

struct syncfile_state {
	struct zwp_linux_surface_synchronization_v1 *sync;
	uint64_t context; /* fence context of our acquire fences */
};

static int syncfile_init(struct demo_app *app)
{
	struct syncfile_state *st = demo_backend_state_new(
		app, app->display.explicit_sync,
		"zwp_linux_explicit_synchronization_v1", sizeof(*st));
	if (!st)
		return -1;
	st->sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		app->display.explicit_sync, app->toplevel.surface);
	st->context = fw_fence_context_alloc(1);
	return 0;
}

static void syncfile_finish(struct demo_app *app)
{
	struct syncfile_state *st = app->backend_data;

	for (unsigned i = 0; app->pool.buffers && i < app->pool.count; i++) {
		struct demo_buffer *b = &app->pool.buffers[i];
		if (b->release_obj)
			zwp_linux_buffer_release_v1_destroy(b->release_obj);
		b->release_obj = NULL;
	}
	if (!st)
		return;
	if (st->sync)
		zwp_linux_surface_synchronization_v1_destroy(st->sync);
	free(st);
	app->backend_data = NULL;
}

static void release_fence_signalled(struct fw_wait *wait,
				    struct fw_fence *fence, void *data)
{
	struct demo_buffer *b = data;
	int status = fw_fence_get_status(fence);

	b->release_wait = NULL;
	if (status < 0) {
		fprintf(stderr, "buffer %u: release fence failed: %s\n",
			b->index, strerror(-status));
		b->app->stats.fence_errors++;
	}
	demo_app_buffer_released(b->app, b);
}

static void fenced_release(void *data, struct zwp_linux_buffer_release_v1 *rel,
			   int32_t fd)
{
	struct demo_buffer *b = data;
	struct demo_app *app = b->app;

	/* The event is a destructor: the server forgot the object. */
	zwp_linux_buffer_release_v1_destroy(rel);
	b->release_obj = NULL;
	app->stats.rel_fenced++;

	struct fw_fence *fence = fw_sync_file_get_fence(fd);
	close(fd);
	if (!fence) {
		fprintf(stderr,
			"buffer %u: fenced_release sent something that is "
			"not a sync file: %m\n",
			b->index);
		app->stats.fence_errors++;
		demo_app_buffer_released(app, b);
		return;
	}
	b->release_wait = fw_loop_wait_fence(app->fence_loop, fence,
					     release_fence_signalled, b);
	fw_fence_put(fence);
	if (!b->release_wait) {
		fprintf(stderr, "fw_loop_wait_fence: %m\n");
		app->stats.other_errors++;
		demo_app_buffer_released(app, b);
	}
}

static void immediate_release(void *data,
			      struct zwp_linux_buffer_release_v1 *rel)
{
	struct demo_buffer *b = data;

	zwp_linux_buffer_release_v1_destroy(rel);
	b->release_obj = NULL;
	b->app->stats.rel_immediate++;
	demo_app_buffer_released(b->app, b);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = fenced_release,
	.immediate_release = immediate_release,
};

static int syncfile_prepare(struct demo_app *app, struct demo_job *job)
{
	struct syncfile_state *st = app->backend_data;
	struct demo_buffer *b = job->buffer;
	enum fwd_misbehave m = app->opts.misbehave;
	bool misbehaving = m && job->seq == app->opts.misbehave_frame;
	int fd;

	if (misbehaving &&
	    (m == FWD_MISBEHAVE_JUNK_FD || m == FWD_MISBEHAVE_JUNK_PIPE ||
	     m == FWD_MISBEHAVE_JUNK_MEMFD)) {
		fd = demo_junk_fd(m);
		if (fd < 0)
			return -1;
	} else {
		job->acquire_fence =
			fw_fence_create(st->context, job->seq, "fenceway-demo");
		if (!job->acquire_fence) {
			fprintf(stderr, "fw_fence_create: %m\n");
			return -1;
		}
		fd = fw_sync_file_create(job->acquire_fence);
		if (fd < 0) {
			fprintf(stderr, "fw_sync_file_create: %s\n",
				strerror(-fd));
			return -1;
		}
	}
	zwp_linux_surface_synchronization_v1_set_acquire_fence(st->sync, fd);
	close(fd);

	b->release_obj =
		zwp_linux_surface_synchronization_v1_get_release(st->sync);
	zwp_linux_buffer_release_v1_add_listener(b->release_obj,
						 &release_listener, b);
	return 0;
}

static int syncfile_committed(struct demo_app *app, struct demo_job *job)
{
	/* The release events drive everything from here. */
	return 0;
}

static void syncfile_signal(struct demo_job *job, int status)
{
	int err = fw_fence_signal(job->acquire_fence, status);
	if (err < 0) {
		fprintf(stderr,
			"frame %" PRIu64
			": cannot signal the acquire fence: %s\n",
			job->seq, strerror(-err));
		__atomic_add_fetch(&job->frame->stats->thread_errors, 1,
				   __ATOMIC_RELAXED);
	}
}

const struct demo_backend demo_backend_syncfile = {
	.name = "syncfile",
	.commit_after_render = false,
	.init = syncfile_init,
	.finish = syncfile_finish,
	.prepare = syncfile_prepare,
	.committed = syncfile_committed,
	.signal = syncfile_signal,
};
