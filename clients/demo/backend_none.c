/*
 * clients/demo/backend_none.c - no explicit sync: the way every client
 * worked before it.  The compositor reads a shm buffer as soon as the
 * commit arrives, so we commit only finished frames (commit_after_render)
 * and reuse a buffer on wl_buffer.release.  Works on a compositor started
 * without the explicit-sync globals.
 */
#include <wayland-client.h>

#include "app.h"
#include "backend.h"

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct demo_buffer *b = data;
	b->app->stats.rel_wl_buffer++;
	demo_app_buffer_released(b->app, b);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static int none_init(struct demo_app *app)
{
	for (unsigned i = 0; i < app->pool.count; i++) {
		struct demo_buffer *b = &app->pool.buffers[i];
		wl_buffer_add_listener(b->wl_buffer, &buffer_listener, b);
	}
	return 0;
}

static void none_finish(struct demo_app *app)
{
}

static int none_prepare(struct demo_app *app, struct demo_job *job)
{
	return 0;
}

static int none_committed(struct demo_app *app, struct demo_job *job)
{
	return 0;
}

static void none_signal(struct demo_job *job, int status)
{
	/* Nothing to signal: the commit itself says "finished". */
}

const struct demo_backend demo_backend_none = {
	.name = "none",
	.commit_after_render = true,
	.init = none_init,
	.finish = none_finish,
	.prepare = none_prepare,
	.committed = none_committed,
	.signal = none_signal,
};
