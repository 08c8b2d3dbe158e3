/*
 * clients/egl/main.c - fenceway-demo-egl: a GLES2 client on Mesa EGL that
 * passes acquire fences with zwp_linux_explicit_synchronization_v1.
 *
 * Per frame: draw (GLES2), get the acquire fence (native EGL fence where
 * the driver offers one, else a sync/ fence, see acquire.h), send it with
 * a release request and a presentation feedback request, eglSwapBuffers()
 * (Mesa attaches and commits), then, on the fallback path, glFinish() and
 * signal.  Mesa throttles on frame callbacks inside eglSwapBuffers().
 *
 * Exit status as fenceway-demo: 0 without errors, 1 with errors, 2 usage.
 * SIGINT/SIGTERM end the demo with a summary (a second one kills it, in
 * case Mesa is stuck waiting inside eglSwapBuffers()).
 */
#include <GLES2/gl2.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "../common/display.h"
#include "../common/errors.h"
#include "../common/options.h"
#include "../common/signals.h"
#include "../common/stats.h"
#include "../common/toplevel.h"
#include "acquire.h"
#include "egl_window.h"
#include "label_quad.h"
#include "scene.h"
#include "sync_surface.h"

struct egl_demo {
	struct fwd_options opts;
	struct fwd_display display;
	struct fwd_toplevel toplevel;
	struct fwd_stats stats;
	struct egl_sync_surface sync;
	struct egl_window egl;
	struct egl_acquire acquire;
	struct egl_label_quad label;
	int signal_fd;
	int interrupted_by;
	bool summary_printed;
};

static bool poll_signal(struct egl_demo *demo)
{
	int s = fwd_signals_read_handler(demo->signal_fd);
	if (s)
		demo->interrupted_by = s;
	return demo->interrupted_by != 0;
}

/* What the window uses and its live counts, like the shm demo's label. */
static void draw_label(struct egl_demo *demo)
{
	const struct fwd_stats *s = &demo->stats;
	char kind[96], counts[96];

	switch (demo->acquire.path) {
	case EGL_ACQUIRE_NATIVE:
		snprintf(kind, sizeof(kind), "EGL, sync file (native fence)");
		break;
	case EGL_ACQUIRE_FALLBACK:
		snprintf(kind, sizeof(kind), "EGL, sync file (sync/ fence)");
		break;
	default:
		snprintf(kind, sizeof(kind), "EGL, no explicit sync");
		break;
	}
	if (s->check_early)
		snprintf(counts, sizeof(counts),
			 "presented %" PRIu64 ", early %" PRIu64, s->presented,
			 s->early_presents);
	else
		snprintf(counts, sizeof(counts), "presented %" PRIu64,
			 s->presented);
	egl_label_quad_draw(&demo->label, demo->egl.height, demo->opts.color,
			    kind, counts);
}

static int draw_frames(struct egl_demo *demo)
{
	struct wl_display *dpy = demo->display.display;
	bool explicit_sync = demo->opts.protocol == FWD_PROTOCOL_SYNCFILE;

	for (uint64_t seq = 1; seq <= demo->opts.frames; seq++) {
		if (wl_display_dispatch_pending(dpy) < 0)
			return -1;
		if (poll_signal(demo) || demo->toplevel.closed)
			return 0;

		egl_scene_draw(demo->egl.width, demo->egl.height,
			       demo->label.height, demo->opts.color, seq);
		draw_label(demo);
		if (explicit_sync) {
			int fd = egl_acquire_fence_fd(&demo->acquire,
						      &demo->egl, seq);
			if (fd < 0)
				return -1;
			int err = egl_sync_surface_prepare(&demo->sync, fd);
			close(fd);
			if (err < 0)
				return -1;
		}
		struct fwd_frame *frame = fwd_stats_commit(
			&demo->stats, demo->toplevel.surface, seq);
		if (!eglSwapBuffers(demo->egl.dpy, demo->egl.surface)) {
			fprintf(stderr, "eglSwapBuffers failed (0x%x)\n",
				eglGetError());
			return -1;
		}
		/* Mesa first waited for the previous frame callback, then
		 * attached and committed: that is the commit time. */
		fwd_stats_committed_now(frame);
		if (egl_acquire_after_swap(&demo->acquire, frame) < 0)
			return -1;
	}
	return 0;
}

/*
 * Dispatch until every commit has its feedback (and, with --linger, until
 * a signal), multiplexing the Wayland fd and the signal pipe.
 */
static void wait_settled(struct egl_demo *demo)
{
	struct wl_display *dpy = demo->display.display;
	struct pollfd fds[2] = {
		{.fd = wl_display_get_fd(dpy), .events = POLLIN},
		{.fd = demo->signal_fd, .events = POLLIN},
	};

	for (;;) {
		if (fwd_stats_settled(&demo->stats) && !demo->summary_printed) {
			if (!demo->opts.linger)
				return;
			demo->summary_printed = true;
			fwd_stats_print(&demo->stats, stdout);
		}
		while (wl_display_prepare_read(dpy) != 0) {
			if (wl_display_dispatch_pending(dpy) < 0)
				return;
		}
		if (wl_display_flush(dpy) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(dpy);
			return;
		}
		if (poll(fds, 2, -1) < 0) {
			wl_display_cancel_read(dpy);
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents) {
			if (wl_display_read_events(dpy) < 0)
				return;
		} else {
			wl_display_cancel_read(dpy);
		}
		if (wl_display_dispatch_pending(dpy) < 0)
			return;
		if (poll_signal(demo) || demo->toplevel.closed)
			return;
	}
}

static void print_header(struct egl_demo *demo)
{
	const struct fwd_options *o = &demo->opts;
	const char *vendor = eglQueryString(demo->egl.dpy, EGL_VENDOR);
	const char *renderer = (const char *)glGetString(GL_RENDERER);

	printf("demo: name=%s protocol=%s size=%dx%d color=%06x\n", o->name,
	       fwd_protocol_name(o->protocol), o->width, o->height, o->color);
	printf("egl: vendor=%s renderer=%s native-fence-sync=%s acquire-path=%s\n",
	       vendor ? vendor : "?", renderer ? renderer : "?",
	       demo->egl.has_native_fence ? "yes" : "no",
	       egl_acquire_path_name(demo->acquire.path));
	fflush(stdout);
}

static int report(struct egl_demo *demo)
{
	fwd_errors_report(demo->display.display, stdout, &demo->stats);
	/* After a --linger summary the signal is how the demo is meant to
	 * end: not an interruption. */
	if (demo->interrupted_by && !demo->summary_printed)
		printf("interrupted: signal=%d\n", demo->interrupted_by);
	if (demo->summary_printed)
		printf("exit: errors=%" PRIu64 "\n",
		       fwd_stats_errors(&demo->stats));
	else
		fwd_stats_print(&demo->stats, stdout);
	fflush(stdout);
	return fwd_stats_errors(&demo->stats) ? 1 : 0;
}

static int setup(struct egl_demo *demo)
{
	const struct fwd_options *o = &demo->opts;
	char app_id[128];

	if (fwd_display_connect(&demo->display) < 0)
		return -1;
	if (fwd_stats_init(&demo->stats, &demo->display, o->frames) < 0)
		return -1;
	snprintf(app_id, sizeof(app_id), "fenceway-demo-egl.%s", o->name);
	if (fwd_toplevel_init(&demo->toplevel, &demo->display, o->name,
			      app_id) < 0)
		return -1;
	if (o->protocol == FWD_PROTOCOL_SYNCFILE &&
	    egl_sync_surface_init(&demo->sync, &demo->display,
				  demo->toplevel.surface, &demo->stats) < 0)
		return -1;
	if (egl_window_init(&demo->egl, demo->display.display,
			    demo->toplevel.surface, o->width, o->height) < 0)
		return -1;
	if (egl_label_quad_init(&demo->label, o->width, o->height) < 0)
		return -1;
	egl_acquire_init(&demo->acquire, o->protocol == FWD_PROTOCOL_SYNCFILE,
			 &demo->egl);
	/* Only the fallback knows when its fence signalled (glFinish). */
	demo->stats.check_early = demo->acquire.path == EGL_ACQUIRE_FALLBACK;
	return 0;
}

static void teardown(struct egl_demo *demo)
{
	egl_acquire_finish(&demo->acquire);
	egl_label_quad_finish(&demo->label);
	egl_window_finish(&demo->egl);
	egl_sync_surface_finish(&demo->sync);
	fwd_stats_finish(&demo->stats);
	fwd_toplevel_finish(&demo->toplevel);
	if (demo->display.display)
		fwd_display_disconnect(&demo->display);
	fwd_signals_remove_handler();
}

int main(int argc, char **argv)
{
	static struct egl_demo demo;
	struct fwd_options *o = &demo.opts;

	fwd_errors_install_log_handler();
	*o = (struct fwd_options){
		.protocol = FWD_PROTOCOL_SYNCFILE,
		.frames = 120,
		.width = 256,
		.height = 256,
		.color = 0x30a050,
		.name = "fenceway-demo-egl",
	};
	switch (fwd_options_parse(argc, argv, 0, o)) {
	case 1:
		return 0;
	case -1:
		return 2;
	}
	demo.signal_fd = fwd_signals_install_handler();
	if (demo.signal_fd < 0)
		return 1;

	int status = 1;
	if (setup(&demo) == 0) {
		print_header(&demo);
		if (draw_frames(&demo) < 0)
			demo.stats.other_errors +=
				wl_display_get_error(demo.display.display) ? 0
									   : 1;
		else
			wait_settled(&demo);
		status = report(&demo);
	} else if (demo.display.display) {
		demo.stats.other_errors++;
		report(&demo);
	}
	teardown(&demo);
	return status;
}
