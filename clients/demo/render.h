/*
 * clients/demo/render.h - the render thread: a CPU playing the GPU.
 *
 * Jobs run in submission order.  For each, the thread waits the
 * configured latency (the buffer holds the poison the main thread put in
 * when the job began, see app.c), paints the finished frame, records the
 * time in the frame's stats and signals the acquire through the backend.  Finished jobs are queued back to the main thread,
 * which learns about them through a pollable eventfd.
 *
 * Ownership: the render object is owned by the caller; jobs are borrowed
 * (they live in the buffers) from submit until popped back.
 */
#ifndef DEMO_RENDER_H
#define DEMO_RENDER_H

#include <stdbool.h>
#include <stdint.h>

struct demo_backend;
struct demo_job;
struct demo_render;

struct demo_render_config {
	/* The frame: @height rows from row @top of each buffer. */
	int32_t width, height, top, stride;
	uint32_t color;
	unsigned latency_ms;
	const struct demo_backend *backend;
};

/* Start the thread.  NULL (printed) on failure. */
struct demo_render *demo_render_create(const struct demo_render_config *cfg);
/*
 * Stop and join the thread.  Jobs not yet started are dropped unsignalled
 * (their fences fail when the process exits, as a dying GPU's would).
 */
void demo_render_destroy(struct demo_render *r);

/* Readable while finished jobs wait in demo_render_pop(). Borrowed. */
int demo_render_fd(struct demo_render *r);
void demo_render_submit(struct demo_render *r, struct demo_job *job);
/* The next finished job, or NULL.  Clears the fd when empty. */
struct demo_job *demo_render_pop(struct demo_render *r);

#endif
