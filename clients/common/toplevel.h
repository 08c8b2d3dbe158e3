/*
 * clients/common/toplevel.h - one xdg_toplevel window of a fixed size.
 *
 * The demos draw at the size the user asked for and ignore the size hints
 * of configure events: fenceway is a floating compositor, and a fixed size
 * keeps the screenshot tests simple (each window is a known rectangle).
 *
 * Ownership: struct fwd_toplevel is owned by the caller; the wl_surface and
 * the xdg objects belong to it and are destroyed by fwd_toplevel_finish().
 */
#ifndef FWD_TOPLEVEL_H
#define FWD_TOPLEVEL_H

#include <stdbool.h>
#include <stdint.h>

struct fwd_display;

struct fwd_toplevel {
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *xdg_toplevel;
	bool configured; /* the first configure was acked: we may attach */
	bool closed;	 /* the compositor asked us to close */
};

/*
 * Create the surface and the toplevel, set @title and @app_id (borrowed),
 * commit without a buffer and wait for the first configure (as xdg-shell
 * requires before the first attach).  0, or -1 after printing why.
 */
int fwd_toplevel_init(struct fwd_toplevel *t, struct fwd_display *d,
		      const char *title, const char *app_id);

/* Destroy the xdg objects and the surface (in protocol order). */
void fwd_toplevel_finish(struct fwd_toplevel *t);

#endif
