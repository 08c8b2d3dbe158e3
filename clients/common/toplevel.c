/*
 * clients/common/toplevel.c - the demos' xdg_toplevel.
 */
#include "toplevel.h"

#include <stdio.h>
#include <string.h>

#include "display.h"
#include "xdg-shell-client-protocol.h"

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
				  uint32_t serial)
{
	struct fwd_toplevel *t = data;
	/* We keep our own size, so every configure is acceptable as is. */
	xdg_surface_ack_configure(xdg_surface, serial);
	t->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel,
			       int32_t width, int32_t height,
			       struct wl_array *states)
{
	/* Size hints are ignored on purpose (see toplevel.h). */
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct fwd_toplevel *t = data;
	t->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

int fwd_toplevel_init(struct fwd_toplevel *t, struct fwd_display *d,
		      const char *title, const char *app_id)
{
	memset(t, 0, sizeof(*t));
	t->surface = wl_compositor_create_surface(d->compositor);
	t->xdg_surface = xdg_wm_base_get_xdg_surface(d->wm_base, t->surface);
	xdg_surface_add_listener(t->xdg_surface, &xdg_surface_listener, t);
	t->xdg_toplevel = xdg_surface_get_toplevel(t->xdg_surface);
	xdg_toplevel_add_listener(t->xdg_toplevel, &toplevel_listener, t);
	xdg_toplevel_set_title(t->xdg_toplevel, title);
	xdg_toplevel_set_app_id(t->xdg_toplevel, app_id);

	/* The initial commit carries no buffer; the compositor answers with
	 * the first configure, which must be acked before any attach. */
	wl_surface_commit(t->surface);
	while (!t->configured && !t->closed) {
		if (wl_display_dispatch(d->display) < 0) {
			fprintf(stderr,
				"lost the Wayland connection before the first configure\n");
			fwd_toplevel_finish(t);
			return -1;
		}
	}
	return 0;
}

void fwd_toplevel_finish(struct fwd_toplevel *t)
{
	if (t->xdg_toplevel)
		xdg_toplevel_destroy(t->xdg_toplevel);
	if (t->xdg_surface)
		xdg_surface_destroy(t->xdg_surface);
	if (t->surface)
		wl_surface_destroy(t->surface);
	memset(t, 0, sizeof(*t));
}
