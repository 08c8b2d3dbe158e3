/*
 * clients/demo/app.h - the shm demo: state shared by its parts.
 *
 * The main thread owns everything here and runs the event loop: Wayland
 * events, fence waits (one fd from sync/'s fw_loop), finished render jobs
 * (the render thread's eventfd) and SIGINT/SIGTERM (a signalfd).
 */
#ifndef DEMO_APP_H
#define DEMO_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/display.h"
#include "../common/options.h"
#include "../common/stats.h"
#include "../common/toplevel.h"
#include "pool.h"

struct fwd_label;
struct demo_render;
struct demo_backend;
struct fw_loop;

struct demo_app {
	struct fwd_options opts;
	struct fwd_display display;
	struct fwd_toplevel toplevel;
	struct fwd_stats stats;
	struct demo_pool pool;
	struct demo_render *render;
	struct fwd_label *label;
	/* Rows [0, top) of every buffer are the label (drawn before the
	 * commit), rows [top, height) the frame the render thread draws. */
	int32_t top;
	/* Commit as soon as the frame's GPU job began (explicit sync, or
	 * --commit-early), not once it is drawn. */
	bool commit_first;
	const struct demo_backend *backend;
	void *backend_data;	    /* the backend's own state */
	struct fw_loop *fence_loop; /* async fence waits (explicit backends) */
	int signal_fd;

	uint64_t next_seq; /* frames started so far */
	bool want_frame;   /* throttled: a frame callback came */
	struct wl_callback *frame_cb;
	bool all_done_printed; /* summary printed (--linger) */
	bool quit;
	int interrupted_by; /* signal number, or 0 */
};

/*
 * Connect, create the window, the pool, the backend and the render thread.
 * 0, or -1 (printed; call demo_app_finish() anyway).
 */
int demo_app_init(struct demo_app *app);
/* Run until every frame is accounted for (or a signal / error). */
void demo_app_run(struct demo_app *app);
/* Print the summary; returns the exit status (0: no protocol error). */
int demo_app_report(struct demo_app *app);
/*
 * After a --linger summary: print only what happened since (a protocol
 * error, the signal that ended the wait).  Returns the exit status.
 */
int demo_app_report_late(struct demo_app *app);
void demo_app_finish(struct demo_app *app);

/* For backends (main thread): the compositor gave @buf back. */
void demo_app_buffer_released(struct demo_app *app, struct demo_buffer *buf);

#endif
