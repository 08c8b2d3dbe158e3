/*
 * clients/demo/buffer.h - one wl_shm buffer of the pool and the frame
 * ("GPU job") drawn into it.
 *
 * A buffer is free when the compositor has released it AND the render
 * thread is done with its last job; only then may a new frame use it.
 * Waiting for both (not only the release) keeps a compositor that releases
 * too early from making two jobs share one buffer.
 *
 * Ownership: buffers belong to the pool (pool.h); the sync objects in them
 * belong to the backend that created them and are destroyed by it.
 */
#ifndef DEMO_BUFFER_H
#define DEMO_BUFFER_H

#include <stdbool.h>
#include <stdint.h>

struct demo_app;
struct demo_buffer;
struct fwd_frame;
struct fw_fence;
struct fw_timeline;
struct fw_wait;

/* A frame handed to the render thread. */
struct demo_job {
	struct demo_buffer *buffer;
	uint64_t seq;		 /* 1-based frame number */
	struct fwd_frame *frame; /* its stats record */
	bool no_signal;		 /* misbehaviour: never signal it */
	bool signal_error;	 /* misbehaviour: fail it with -EIO */
	/* Acquire side, set by the backend in prepare(), used by the render
	 * thread in signal(); each a reference the job owns (or NULL). */
	struct fw_timeline *acquire_tl; /* syncobj */
	struct fw_fence *acquire_fence; /* syncfile */
	struct demo_job *next;		/* render queue link */
};

struct demo_buffer {
	struct demo_app *app;
	unsigned index;
	struct wl_buffer *wl_buffer;
	uint32_t *pixels; /* XRGB8888, stride = width * 4 */

	bool busy;     /* in use by a frame */
	bool released; /* the compositor gave it back */
	bool rendered; /* the render thread is done with job */
	struct demo_job job;

	/* syncobj: this buffer's own release timeline (docs/explicit-sync.md lets
	 * release points signal out of order, so one timeline per buffer
	 * makes "this buffer is free" a single point). */
	struct fw_timeline *release_tl;
	struct wp_linux_drm_syncobj_timeline_v1 *release_tl_obj;
	uint64_t release_point;
	/* syncobj, syncfile: the pending asynchronous wait for the release. */
	struct fw_wait *release_wait;
	/* syncfile: the release object of the commit that used the buffer. */
	struct zwp_linux_buffer_release_v1 *release_obj;
};

#endif
