/*
 * clients/demo/app.c - the shm demo's main loop and frame scheduling.
 *
 * One frame's life:
 *   1. start: take a free buffer (released by the compositor AND finished
 *      by the render thread); without one, count the time we wait.
 *   2. the label goes in (live counts; the label is no GPU work).
 *      Explicit sync: fill the rest with poison (the GPU job began),
 *      commit at once with the acquire point / fence still pending, then
 *      hand the job to the render thread, which paints the frame and
 *      signals it after the simulated GPU latency.  Implicit sync (none): hand the job
 *      over first and commit when it comes back finished -- or, with
 *      --commit-early, commit at once as explicit sync does, but with no
 *      fence to tell the compositor the frame is not done yet.
 *   3. the backend watches the release; the buffer is free again once the
 *      compositor released it and the render thread is done with it.
 *   4. presentation feedback says presented or discarded (stats.c).
 * Throttled (default) a new frame starts on each frame callback;
 * --unthrottled starts one whenever a buffer is free.
 */
#include "app.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/sync.h>
#include <wayland-client.h>

#include "../common/errors.h"
#include "../common/signals.h"
#include "backend.h"
#include "draw.h"
#include "../common/label.h"
#include "render.h"

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct demo_app *app = data;
	wl_callback_destroy(cb);
	app->frame_cb = NULL;
	app->want_frame = true;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* Drop the job's references to its acquire timeline / fence. */
static void job_put_refs(struct demo_job *job)
{
	fw_timeline_put(job->acquire_tl);
	job->acquire_tl = NULL;
	fw_fence_put(job->acquire_fence);
	job->acquire_fence = NULL;
}

static void maybe_free(struct demo_app *app, struct demo_buffer *buf)
{
	if (!buf->busy || !buf->released || !buf->rendered)
		return;
	buf->busy = false;
	job_put_refs(&buf->job);
	/* If the main thread was starved, the starvation ends here. */
	fwd_stats_release_wait_end(&app->stats);
}

void demo_app_buffer_released(struct demo_app *app, struct demo_buffer *buf)
{
	if (buf->released) {
		/* Released twice for one commit: the compositor broke the
		 * "exactly once" rule.  Count it, never double-free. */
		fprintf(stderr, "buffer %u released twice\n", buf->index);
		app->stats.other_errors++;
		return;
	}
	buf->released = true;
	maybe_free(app, buf);
}

static void commit(struct demo_app *app, struct demo_job *job)
{
	struct wl_surface *surface = app->toplevel.surface;
	struct demo_buffer *buf = job->buffer;

	if (app->backend->prepare(app, job) < 0) {
		app->stats.other_errors++;
		app->quit = true;
		return;
	}
	wl_surface_attach(surface, buf->wl_buffer, 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, app->pool.width,
				 app->pool.height);
	if (!app->opts.unthrottled) {
		app->frame_cb = wl_surface_frame(surface);
		wl_callback_add_listener(app->frame_cb, &frame_listener, app);
	}
	fwd_stats_commit(&app->stats, surface, job->seq);
	wl_surface_commit(surface);
	if (app->backend->committed(app, job) < 0) {
		app->stats.other_errors++;
		app->quit = true;
	}

	if (app->opts.misbehave && job->seq == app->opts.misbehave_frame &&
	    app->opts.misbehave != FWD_MISBEHAVE_DIE_MID_FRAME) {
		/* Tests wait for this line before they look (counts, not
		 * clocks): the misbehaving commit is on its way. */
		wl_display_flush(app->display.display);
		fprintf(stdout,
			"misbehave: %s at frame %" PRIu64 " committed\n",
			fwd_misbehave_name(app->opts.misbehave), job->seq);
		fflush(stdout);
	}
	if (app->opts.misbehave == FWD_MISBEHAVE_DIE_MID_FRAME &&
	    job->seq == app->opts.misbehave_frame) {
		/* Make sure the commit is out, then vanish without any
		 * cleanup: the compositor holds a commit whose acquire will
		 * never signal, from a client that no longer exists. */
		wl_display_flush(app->display.display);
		fprintf(stdout, "misbehave: died at frame %" PRIu64 "\n",
			job->seq);
		fflush(stdout);
		_exit(3);
	}
}

/* The first line of the label: what this window uses. */
static void label_kind(const struct demo_app *app, char *out, size_t size)
{
	const struct fwd_options *o = &app->opts;
	const char *kind = o->label;

	if (!kind) {
		switch (o->protocol) {
		case FWD_PROTOCOL_SYNCOBJ:
			kind = "syncobj timeline";
			break;
		case FWD_PROTOCOL_SYNCFILE:
			kind = "sync file";
			break;
		case FWD_PROTOCOL_NONE:
			kind = o->commit_early
				       ? "no explicit sync, commits early"
				       : "no explicit sync";
			break;
		}
	}
	snprintf(out, size, "%s, GPU %u ms", kind, o->latency_ms);
}

static void draw_label(struct demo_app *app, struct demo_buffer *buf)
{
	const struct fwd_stats *s = &app->stats;
	char kind[160], counts[160];

	label_kind(app, kind, sizeof(kind));
	if (s->check_early)
		snprintf(counts, sizeof(counts),
			 "presented %" PRIu64 ", early %" PRIu64, s->presented,
			 s->early_presents);
	else
		snprintf(counts, sizeof(counts), "presented %" PRIu64,
			 s->presented);
	fwd_label_draw(app->label, buf->pixels, app->pool.stride,
		       app->opts.color, kind, counts);
}

static void start_frame(struct demo_app *app, struct demo_buffer *buf)
{
	struct demo_job *job = &buf->job;
	const struct fwd_options *o = &app->opts;

	memset(job, 0, sizeof(*job));
	job->buffer = buf;
	job->seq = ++app->next_seq;
	job->frame = &app->stats.frames[job->seq - 1];
	if (o->misbehave && job->seq == o->misbehave_frame) {
		switch (o->misbehave) {
		case FWD_MISBEHAVE_SIGNAL_ERROR:
			job->signal_error = true;
			break;
		default:
			/* never-signal, die-mid-frame, and junk fds (there is
			 * nothing real to signal) */
			job->no_signal = true;
			break;
		}
	}
	buf->busy = true;
	buf->released = false;
	buf->rendered = false;

	draw_label(app, buf);
	if (!app->commit_first) {
		demo_render_submit(app->render, job);
	} else {
		/* Explicit sync: the frame's GPU job begins -- its first
		 * command is a clear, modelled as instant: the poison goes in
		 * now, before the commit, so a compositor that reads the
		 * buffer before the acquire signalled reads poison every time
		 * (not only when it happens to lose a race with the render
		 * thread).  Then the commit, then the rest of the job. */
		uint32_t *frame =
			(uint32_t *)((char *)buf->pixels +
				     (size_t)app->top *
					     (size_t)app->pool.stride);
		demo_draw_fill(frame, app->pool.width,
			       app->pool.height - app->top, app->pool.stride,
			       o->poison);
		commit(app, job);
		if (!app->quit)
			demo_render_submit(app->render, job);
	}
}

static struct demo_buffer *find_free(struct demo_app *app)
{
	for (unsigned i = 0; i < app->pool.count; i++) {
		if (!app->pool.buffers[i].busy)
			return &app->pool.buffers[i];
	}
	return NULL;
}

static void start_frames(struct demo_app *app)
{
	while (!app->quit && app->next_seq < app->opts.frames &&
	       (app->opts.unthrottled || app->want_frame)) {
		struct demo_buffer *buf = find_free(app);
		if (!buf) {
			fwd_stats_release_wait_begin(&app->stats);
			return;
		}
		app->want_frame = false;
		start_frame(app, buf);
	}
}

static void collect_rendered(struct demo_app *app)
{
	struct demo_job *job;
	while ((job = demo_render_pop(app->render))) {
		job->buffer->rendered = true;
		if (!app->commit_first && !app->quit)
			commit(app, job);
		maybe_free(app, job->buffer);
	}
}

/* Every frame committed and accounted for by presentation feedback. */
static bool all_done(struct demo_app *app)
{
	return app->stats.committed == app->opts.frames &&
	       fwd_stats_settled(&app->stats);
}

static void check_done(struct demo_app *app)
{
	if (!all_done(app) || app->all_done_printed)
		return;
	if (!app->opts.linger) {
		app->quit = true;
		return;
	}
	/* --linger: report now (the window stays up for a screenshot). */
	app->all_done_printed = true;
	demo_app_report(app);
}

void demo_app_run(struct demo_app *app)
{
	struct wl_display *dpy = app->display.display;
	enum { P_WL, P_RENDER, P_SIGNAL, P_FENCES, P_COUNT };
	struct pollfd fds[P_COUNT] = {
		[P_WL] = {.fd = wl_display_get_fd(dpy), .events = POLLIN},
		[P_RENDER] = {.fd = demo_render_fd(app->render),
			      .events = POLLIN},
		[P_SIGNAL] = {.fd = app->signal_fd, .events = POLLIN},
		[P_FENCES] = {.fd = app->fence_loop
					    ? fw_loop_get_fd(app->fence_loop)
					    : -1,
			      .events = POLLIN},
	};

	app->want_frame = true;
	while (!app->quit) {
		start_frames(app);
		check_done(app);
		if (app->quit)
			break;

		/* The libwayland multi-source pattern: announce the read,
		 * flush, poll everything, then read or cancel. */
		while (wl_display_prepare_read(dpy) != 0) {
			if (wl_display_dispatch_pending(dpy) < 0)
				goto lost;
		}
		fds[P_WL].events = POLLIN;
		if (wl_display_flush(dpy) < 0) {
			if (errno != EAGAIN) {
				wl_display_cancel_read(dpy);
				goto lost;
			}
			fds[P_WL].events |= POLLOUT;
		}
		if (poll(fds, P_COUNT, -1) < 0) {
			wl_display_cancel_read(dpy);
			if (errno == EINTR)
				continue;
			perror("poll");
			app->stats.other_errors++;
			break;
		}
		if (fds[P_WL].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (wl_display_read_events(dpy) < 0)
				goto lost;
		} else {
			wl_display_cancel_read(dpy);
		}
		if (wl_display_dispatch_pending(dpy) < 0)
			goto lost;

		if (fds[P_RENDER].revents & POLLIN)
			collect_rendered(app);
		if (fds[P_FENCES].revents & POLLIN) {
			int n = fw_loop_dispatch(app->fence_loop);
			if (n < 0) {
				fprintf(stderr, "fw_loop_dispatch: %s\n",
					strerror(-n));
				app->stats.other_errors++;
				break;
			}
		}
		if (fds[P_SIGNAL].revents & POLLIN) {
			app->interrupted_by = fwd_signals_read(app->signal_fd);
			break;
		}
		if (app->toplevel.closed)
			break;
	}
	return;
lost:
	/* demo_app_report() says what the error was. */
	app->quit = true;
}

void *demo_backend_state_new(struct demo_app *app, const void *global,
			     const char *interface, size_t size)
{
	if (!global) {
		fprintf(stderr,
			"the compositor offers no %s "
			"(explicit sync disabled?); try --protocol none\n",
			interface);
		return NULL;
	}
	void *state = calloc(1, size);
	if (!state) {
		fprintf(stderr, "out of memory\n");
		return NULL;
	}
	app->backend_data = state;
	return state;
}

int demo_app_report(struct demo_app *app)
{
	const struct fwd_options *o = &app->opts;
	FILE *out = stdout;

	/* A protocol error is reported once, whether or not we lingered. */
	if (app->display.display && !app->stats.protocol_errors)
		fwd_errors_report(app->display.display, out, &app->stats);
	fprintf(out,
		"demo: name=%s protocol=%s buffers=%u latency-ms=%u size=%dx%d "
		"color=%06x unthrottled=%d commit-early=%d misbehave=%s",
		o->name, fwd_protocol_name(o->protocol), o->buffers,
		o->latency_ms, o->width, o->height, o->color, o->unthrottled,
		o->commit_early, fwd_misbehave_name(o->misbehave));
	if (o->misbehave)
		fprintf(out, "@%" PRIu64, o->misbehave_frame);
	fprintf(out, "\n");
	if (app->interrupted_by)
		fprintf(out, "interrupted: signal=%d\n", app->interrupted_by);
	fwd_stats_print(&app->stats, out);
	return fwd_stats_errors(&app->stats) ? 1 : 0;
}

int demo_app_report_late(struct demo_app *app)
{
	/* The signal that ends a lingering demo is how it is meant to end:
	 * not worth an "interrupted:" line. */
	if (!app->stats.protocol_errors)
		fwd_errors_report(app->display.display, stdout, &app->stats);
	fprintf(stdout, "exit: errors=%" PRIu64 "\n",
		fwd_stats_errors(&app->stats));
	fflush(stdout);
	return fwd_stats_errors(&app->stats) ? 1 : 0;
}

int demo_app_init(struct demo_app *app)
{
	const struct fwd_options *o = &app->opts;
	static const struct demo_backend *const backends[] = {
		[FWD_PROTOCOL_SYNCOBJ] = &demo_backend_syncobj,
		[FWD_PROTOCOL_SYNCFILE] = &demo_backend_syncfile,
		[FWD_PROTOCOL_NONE] = &demo_backend_none,
	};
	char app_id[128];

	app->signal_fd = -1;
	app->backend = backends[o->protocol];
	app->signal_fd = fwd_signals_fd();
	if (app->signal_fd < 0)
		return -1;
	if (fwd_display_connect(&app->display) < 0)
		return -1;
	if (!app->display.shm || !app->display.shm_xrgb8888) {
		fprintf(stderr,
			"the compositor offers no wl_shm with XRGB8888\n");
		return -1;
	}
	if (fwd_stats_init(&app->stats, &app->display, o->frames) < 0)
		return -1;
	/* Committed before it is drawn: the stats can tell a frame shown
	 * too early -- a compositor bug with a fence, the expected sight
	 * without one. */
	app->commit_first =
		!app->backend->commit_after_render || o->commit_early;
	app->stats.check_early = app->commit_first;
	app->stats.early_expected = o->commit_early;

	snprintf(app_id, sizeof(app_id), "fenceway-demo.%s", o->name);
	if (fwd_toplevel_init(&app->toplevel, &app->display, o->name, app_id) <
	    0)
		return -1;
	if (demo_pool_init(&app->pool, app->display.shm, app, o->buffers,
			   o->width, o->height) < 0)
		return -1;
	if (!app->backend->commit_after_render) {
		app->fence_loop = fw_loop_create();
		if (!app->fence_loop) {
			fprintf(stderr, "fw_loop_create: %m\n");
			return -1;
		}
	}
	if (app->backend->init(app) < 0)
		return -1;
	app->top = fwd_label_height(o->height);
	app->label = fwd_label_create(o->width, o->height);
	if (!app->label)
		return -1;

	struct demo_render_config cfg = {
		.width = o->width,
		.height = o->height - app->top,
		.top = app->top,
		.stride = app->pool.stride,
		.color = o->color,
		.latency_ms = o->latency_ms,
		.backend = app->backend,
	};
	app->render = demo_render_create(&cfg);
	if (!app->render)
		return -1;
	/* Make sure everything set up so far reached the compositor and
	 * was accepted before the first frame. */
	if (wl_display_roundtrip(app->display.display) < 0)
		return -1;
	return 0;
}

void demo_app_finish(struct demo_app *app)
{
	/* The render thread first: nothing may signal into torn-down state. */
	demo_render_destroy(app->render);
	app->render = NULL;
	if (app->frame_cb)
		wl_callback_destroy(app->frame_cb);
	app->frame_cb = NULL;
	/* Waits still outstanding are cancelled with the loop, before the
	 * backend drops the timelines they wait on. */
	if (app->fence_loop)
		fw_loop_destroy(app->fence_loop);
	app->fence_loop = NULL;
	for (unsigned i = 0; app->pool.buffers && i < app->pool.count; i++)
		app->pool.buffers[i].release_wait = NULL;
	if (app->backend)
		app->backend->finish(app);
	for (unsigned i = 0; app->pool.buffers && i < app->pool.count; i++)
		job_put_refs(&app->pool.buffers[i].job);
	demo_pool_finish(&app->pool);
	fwd_label_destroy(app->label);
	app->label = NULL;
	fwd_stats_finish(&app->stats);
	fwd_toplevel_finish(&app->toplevel);
	if (app->display.display)
		fwd_display_disconnect(&app->display);
	if (app->signal_fd >= 0)
		close(app->signal_fd);
	app->signal_fd = -1;
}
