/*
 * Views: one struct fw_view per xdg toplevel, owned by view.c, created when
 * the client makes the toplevel and freed when its xdg_surface is
 * destroyed.  Popups need no struct: their scene node hangs off their
 * parent's and wlroots frees it with the popup.
 */
#ifndef FENCEWAY_VIEW_H
#define FENCEWAY_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/util/box.h>

struct fw_server;
struct wlr_surface;
struct wlr_xdg_surface;
struct wlr_scene_node;

struct fw_view {
	struct fw_server *server;
	struct wl_list link;                 /* fw_server.views while mapped */
	uint32_t id;                         /* 1, 2, ... in creation order */
	struct wlr_xdg_surface *xdg_surface; /* client-owned */
	struct wlr_scene_node *scene_node;   /* scene-owned, dies with surface */
	int x, y;                            /* window geometry's top-left and
	                                        scene node position, layout */
	bool mapped;
	bool placed;          /* got its first position */
	struct wlr_box saved; /* position/size before max/fs */
	bool maximized, fullscreen;

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener commit;
	struct wl_listener request_move;
	struct wl_listener request_resize;
	struct wl_listener request_maximize;
	struct wl_listener request_fullscreen;
};

/* Move the view so that the top-left of its window geometry (and its
 * scene node, inside which wlroots shifts the surface by -geometry) sits
 * at layout (x, y). */
void fw_view_move(struct fw_view *view, int x, int y);

/* Give keyboard focus to a mapped view and raise it; NULL: no-op. */
void fw_view_focus(struct fw_view *view);
/* Topmost view and surface-local coordinates under a layout point. */
struct fw_view *fw_view_at(struct fw_server *server, double lx, double ly,
	struct wlr_surface **surface, double *sx, double *sy);

#endif
