/*
 * clients/common/display.h - connecting a demo client to fenceway and
 * binding the globals the demos use.
 *
 * The demos are written for fenceway only (clients/README.md): they may rely on its
 * soft timelines and soft sync files, which other compositors refuse.  They
 * connect to $WAYLAND_DISPLAY like any client; tools/demo.sh points that at
 * fenceway's socket, never at the user's own compositor.
 *
 * Ownership: struct fwd_display is owned by the caller (usually on the
 * stack); every proxy in it belongs to it and is destroyed by
 * fwd_display_disconnect().
 */
#ifndef FWD_DISPLAY_H
#define FWD_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <wayland-client.h>

struct fwd_display {
	struct wl_display *display;
	struct wl_registry *registry;

	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	struct wp_linux_drm_syncobj_manager_v1 *syncobj_manager;
	struct zwp_linux_explicit_synchronization_v1 *explicit_sync;

	/* The clock wp_presentation reports in (CLOCK_MONOTONIC if none). */
	clockid_t clock;
	bool shm_xrgb8888;
};

/*
 * Connect to $WAYLAND_DISPLAY and bind every global above that the
 * compositor offers (absent ones stay NULL; callers check what they need).
 * Returns 0, or -1 after printing why to stderr (nothing is left open).
 */
int fwd_display_connect(struct fwd_display *d);

/* Destroy every proxy and disconnect.  Safe on a partly connected struct. */
void fwd_display_disconnect(struct fwd_display *d);

/* Now, in nanoseconds, on @clock. */
int64_t fwd_now_ns(clockid_t clock);

#endif
