/*
 * clients/demo/backend.h - how a frame's acquire and release travel: one
 * backend per --protocol.
 *
 *   syncobj   wp_linux_drm_syncobj_manager_v1: an acquire timeline (point =
 *             frame number) and one release timeline per buffer, all soft
 *             timelines from sync/ imported by fd.  The commit goes out
 *             before the render thread signals the acquire point.
 *   syncfile  zwp_linux_explicit_synchronization_v1: a soft sync file per
 *             frame as acquire fence (signalled by the render thread), and
 *             a zwp_linux_buffer_release_v1 per commit.
 *   none      no explicit sync: commit only after the frame is drawn, reuse
 *             a buffer on wl_buffer.release.
 *
 * Threads: everything runs on the main thread except signal(), which the
 * render thread calls when a frame's "GPU work" is done.
 */
#ifndef DEMO_BACKEND_H
#define DEMO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

struct demo_app;
struct demo_buffer;
struct demo_job;

struct demo_backend {
	const char *name;
	/* Implicit sync: the compositor reads the buffer as soon as it sees
	 * the commit, so commit only once the frame is drawn. */
	bool commit_after_render;

	/* Bind the surface's sync object and set up per-buffer state.
	 * 0, or -1 after printing why (the caller then calls finish). */
	int (*init)(struct demo_app *app);
	/* Undo init (also after a partial init).  The render thread has
	 * stopped by then. */
	void (*finish)(struct demo_app *app);
	/* Before the commit of @job: set the acquire and release state. */
	int (*prepare)(struct demo_app *app, struct demo_job *job);
	/* After the commit of @job: start watching its buffer's release. */
	int (*committed)(struct demo_app *app, struct demo_job *job);
	/* Render thread: @job's frame is done; signal its acquire with
	 * @status (0, or a negative errno for a failed job). */
	void (*signal)(struct demo_job *job, int status);
};

/*
 * The start of an explicit-sync backend's init: @global is the compositor's
 * @interface global as bound by fwd_display (NULL: not offered).  Returns
 * @size zeroed bytes, also stored as app->backend_data and owned by the
 * backend (its finish frees them), or NULL after printing why.
 */
void *demo_backend_state_new(struct demo_app *app, const void *global,
			     const char *interface, size_t size);

extern const struct demo_backend demo_backend_syncobj;
extern const struct demo_backend demo_backend_syncfile;
extern const struct demo_backend demo_backend_none;

#endif
