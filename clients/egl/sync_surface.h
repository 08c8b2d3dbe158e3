/*
 * clients/egl/sync_surface.h - the GLES2 demo's use of
 * zwp_linux_explicit_synchronization_v1.
 *
 * Mesa owns the buffers and recycles them on wl_buffer.release (which the
 * protocol keeps sending), so the release events here are bookkeeping:
 * counted in the stats, fenced releases checked to be real sync files.
 *
 * Ownership: struct egl_sync_surface is owned by the caller; the
 * synchronization object and the release objects still waiting for their
 * event are destroyed by egl_sync_surface_finish().
 */
#ifndef EGL_SYNC_SURFACE_H
#define EGL_SYNC_SURFACE_H

#include <wayland-client.h>

struct fwd_display;
struct fwd_stats;

struct egl_sync_surface {
	struct zwp_linux_surface_synchronization_v1 *sync;
	struct fwd_stats *stats;
	struct wl_list releases; /* struct egl_release.link */
};

/* 0, or -1 (printed) if the compositor lacks the global. */
int egl_sync_surface_init(struct egl_sync_surface *s, struct fwd_display *d,
			  struct wl_surface *surface, struct fwd_stats *stats);
void egl_sync_surface_finish(struct egl_sync_surface *s);

/*
 * For the next commit: send @fd (borrowed, the caller closes it) as the
 * acquire fence and ask for a release.  0, or -1 (printed).
 */
int egl_sync_surface_prepare(struct egl_sync_surface *s, int fd);

#endif
