/*
 * xdg-shell: toplevels become views placed where they overlap no other
 * window (a cascade when there is no room); popups are placed inside the output layout and drawn above their
 * parent.  Focus follows clicks and new windows (cursor.c calls in here).
 */
#include <assert.h>
#include <stdlib.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "cursor.h"
#include "protocol_watch.h"
#include "seat.h"
#include "server.h"
#include "view.h"

/* Distance between cascaded windows, and of the first from the corner. */
#define CASCADE_STEP 32

void fw_view_move(struct fw_view *view, int x, int y) {
	view->x = x;
	view->y = y;
	wlr_scene_node_set_position(view->scene_node, x, y);
	if (view->mapped) {
		fw_cursor_refocus(view->server->cursor);
	}
}

/* The window geometry of a mapped view in layout coordinates: the scene
 * node sits at its top-left (wlr_scene_xdg_surface_create shifts the
 * surface by -geometry inside the node). */
static struct wlr_box view_box(struct fw_view *view) {
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	return (struct wlr_box){
		.x = view->x,
		.y = view->y,
		.width = geo.width,
		.height = geo.height,
	};
}

void fw_view_focus(struct fw_view *view) {
	if (view == NULL || !view->mapped) {
		return;
	}
	struct fw_server *server = view->server;
	struct wlr_seat *seat = server->seat->seat;
	struct wlr_surface *surface = view->xdg_surface->surface;
	struct wlr_surface *prev = seat->keyboard_state.focused_surface;

	wlr_scene_node_raise_to_top(view->scene_node);
	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	/* Raised over the pointer, maybe. */
	fw_cursor_refocus(server->cursor);
	if (prev == surface) {
		return;
	}
	/* Tell the previous toplevel it lost focus so it can draw itself
	 * inactive; wlroots sends the keyboard leave with the enter below. */
	if (prev != NULL && wlr_surface_is_xdg_surface(prev)) {
		struct wlr_xdg_surface *prev_xdg =
			wlr_xdg_surface_from_wlr_surface(prev);
		assert(prev_xdg != NULL);
		if (prev_xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
			wlr_xdg_toplevel_set_activated(prev_xdg, false);
		}
	}
	wlr_xdg_toplevel_set_activated(view->xdg_surface, true);

	/* Enter with the keys already held, so the client's state is right. */
	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat);
	if (keyboard != NULL) {
		wlr_seat_keyboard_notify_enter(seat, surface, keyboard->keycodes,
			keyboard->num_keycodes, &keyboard->modifiers);
	} else {
		wlr_seat_keyboard_notify_enter(seat, surface, NULL, 0, NULL);
	}
}

struct fw_view *fw_view_at(struct fw_server *server, double lx, double ly,
	struct wlr_surface **surface, double *sx, double *sy) {
	struct wlr_scene_node *node =
		wlr_scene_node_at(&server->scene->node, lx, ly, sx, sy);
	if (node == NULL || node->type != WLR_SCENE_NODE_SURFACE) {
		return NULL;
	}
	*surface = wlr_scene_surface_from_node(node)->surface;
	/* Subsurfaces and popups hang below the toplevel's tree, whose node
	 * carries the view. */
	while (node != NULL && node->data == NULL) {
		node = node->parent;
	}
	return node != NULL ? node->data : NULL;
}

/* The box of the output the view is mostly on (or the first one). */
static bool view_output_box(struct fw_view *view, struct wlr_output *want,
	struct wlr_box *box) {
	struct wlr_output_layout *layout = view->server->output_layout;
	struct wlr_output *output = want;
	if (output == NULL) {
		struct wlr_box window = view_box(view);
		output = wlr_output_layout_output_at(layout,
			window.x + window.width / 2.0, window.y + window.height / 2.0);
	}
	if (output == NULL) {
		output = wlr_output_layout_get_center_output(layout);
	}
	if (output == NULL) {
		return false;
	}
	*box = *wlr_output_layout_get_box(layout, output);
	return true;
}

/* Remember where the window was before it covered an output. */
static void view_save_geometry(struct fw_view *view) {
	if (view->maximized || view->fullscreen) {
		return;
	}
	view->saved = view_box(view);
}

/* Cover box with the window geometry (maximize and fullscreen both). */
static void view_cover(struct fw_view *view, const struct wlr_box *box) {
	fw_view_move(view, box->x, box->y);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)box->width,
		(uint32_t)box->height);
}

static void view_restore(struct fw_view *view) {
	fw_view_move(view, view->saved.x, view->saved.y);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)view->saved.width,
		(uint32_t)view->saved.height);
}

static void view_set_fullscreen(struct fw_view *view, bool fullscreen,
	struct wlr_output *output) {
	struct wlr_box box;
	if (fullscreen == view->fullscreen) {
		/* Nothing changes, but the client waits for a configure. */
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
		return;
	}
	if (fullscreen) {
		if (!view_output_box(view, output, &box)) {
			wlr_xdg_surface_schedule_configure(view->xdg_surface);
			return;
		}
		view_save_geometry(view);
		view_cover(view, &box);
		wlr_scene_node_raise_to_top(view->scene_node);
	} else if (view->maximized && view_output_box(view, NULL, &box)) {
		view_cover(view, &box);
	} else {
		view_restore(view);
	}
	view->fullscreen = fullscreen;
	wlr_xdg_toplevel_set_fullscreen(view->xdg_surface, fullscreen);
	wlr_log(WLR_INFO, "toplevel %u fullscreen %s", view->id,
		fullscreen ? "on" : "off");
}

static void view_set_maximized(struct fw_view *view, bool maximized) {
	struct wlr_box box;
	if (maximized == view->maximized || view->fullscreen) {
		/* Fullscreen wins; remember the wish for when it ends. */
		if (view->fullscreen) {
			view->maximized = maximized;
			wlr_xdg_toplevel_set_maximized(view->xdg_surface, maximized);
		}
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
		return;
	}
	if (maximized) {
		if (!view_output_box(view, NULL, &box)) {
			wlr_xdg_surface_schedule_configure(view->xdg_surface);
			return;
		}
		view_save_geometry(view);
		view_cover(view, &box);
	} else {
		view_restore(view);
	}
	view->maximized = maximized;
	wlr_xdg_toplevel_set_maximized(view->xdg_surface, maximized);
	wlr_log(WLR_INFO, "toplevel %u maximized %s", view->id,
		maximized ? "on" : "off");
}

static bool boxes_overlap(const struct wlr_box *a, const struct wlr_box *b) {
	return a->x < b->x + b->width && b->x < a->x + a->width &&
		a->y < b->y + b->height && b->y < a->y + a->height;
}

/* Does box lie inside out and clear of every mapped view but self? */
static bool spot_is_free(struct fw_view *self, const struct wlr_box *out,
	const struct wlr_box *box) {
	if (box->x < out->x || box->y < out->y ||
		box->x + box->width > out->x + out->width ||
		box->y + box->height > out->y + out->height) {
		return false;
	}
	struct fw_view *other;
	wl_list_for_each(other, &self->server->views, link) {
		struct wlr_box taken = view_box(other);
		if (other != self && boxes_overlap(box, &taken)) {
			return false;
		}
	}
	return true;
}

static int compare_int(const void *a, const void *b) {
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The first free spot, top to bottom then left to right.  A free spot can
 * always be slid up and left until it touches the output's edge or another
 * window's right/bottom edge, so those edges are the only candidates. */
static bool find_free_spot(struct fw_view *view, const struct wlr_box *out,
	struct wlr_box *box) {
	int n = wl_list_length(&view->server->views) + 1;
	int *xs = calloc((size_t)n, sizeof(int));
	int *ys = calloc((size_t)n, sizeof(int));
	if (xs == NULL || ys == NULL) {
		free(xs);
		free(ys);
		return false;
	}
	int count = 0;
	xs[count] = out->x;
	ys[count++] = out->y;
	struct fw_view *other;
	wl_list_for_each(other, &view->server->views, link) {
		if (other != view) {
			struct wlr_box taken = view_box(other);
			xs[count] = taken.x + taken.width;
			ys[count++] = taken.y + taken.height;
		}
	}
	qsort(xs, (size_t)count, sizeof(int), compare_int);
	qsort(ys, (size_t)count, sizeof(int), compare_int);
	bool found = false;
	for (int j = 0; j < count && !found; j++) {
		for (int i = 0; i < count && !found; i++) {
			box->x = xs[i];
			box->y = ys[j];
			found = spot_is_free(view, out, box);
		}
	}
	free(xs);
	free(ys);
	return found;
}

/* No free spot: the first cascade slot (a step down and right of the
 * last) that no mapped window starts at and where the window fits, else
 * the first slot.  Derived from the windows mapped now, so closing
 * windows frees their slots. */
static void cascade_spot(struct fw_view *view, const struct wlr_box *out,
	struct wlr_box *box) {
	for (int k = 1;; k++) {
		box->x = out->x + k * CASCADE_STEP;
		box->y = out->y + k * CASCADE_STEP;
		if (box->x + box->width > out->x + out->width ||
			box->y + box->height > out->y + out->height) {
			box->x = out->x + CASCADE_STEP;
			box->y = out->y + CASCADE_STEP;
			return;
		}
		bool taken = false;
		struct fw_view *other;
		wl_list_for_each(other, &view->server->views, link) {
			taken = taken ||
				(other != view && other->x == box->x && other->y == box->y);
		}
		if (!taken) {
			return;
		}
	}
}

/* The output new windows go to: the one at the layout's origin (the
 * top-left one with the auto layout), else any. */
static struct wlr_box placement_output_box(struct fw_server *server) {
	struct wlr_output *output =
		wlr_output_layout_output_at(server->output_layout, 0, 0);
	if (output == NULL) {
		output = wlr_output_layout_get_center_output(server->output_layout);
	}
	if (output == NULL) {
		return (struct wlr_box){0};
	}
	return *wlr_output_layout_get_box(server->output_layout, output);
}

/* The first spot of the output where the window overlaps no mapped one,
 * else a cascade slot; see docs/compositor.md. */
static void view_place(struct fw_view *view) {
	struct wlr_box out = placement_output_box(view->server);
	struct wlr_box box = view_box(view);
	if (!find_free_spot(view, &out, &box)) {
		cascade_spot(view, &out, &box);
	}
	fw_view_move(view, box.x, box.y);
	view->placed = true;
	wlr_log(WLR_INFO,
		"toplevel %u mapped at %d,%d size %dx%d "
		"app_id=\"%s\" title=\"%s\"",
		view->id, box.x, box.y, box.width, box.height,
		view->xdg_surface->toplevel->app_id
			? view->xdg_surface->toplevel->app_id
			: "",
		view->xdg_surface->toplevel->title ? view->xdg_surface->toplevel->title
										   : "");
}

static void view_handle_map(struct wl_listener *listener, void *data) {
	struct fw_view *view = wl_container_of(listener, view, map);
	struct wlr_xdg_toplevel *toplevel = view->xdg_surface->toplevel;
	view->mapped = true;
	wl_list_insert(&view->server->views, &view->link);
	view->server->stats.toplevels_mapped++;
	if (!view->placed) {
		view_place(view);
	}
	/* Honour what the client asked for before it was mapped. */
	if (toplevel->requested.maximized) {
		view_set_maximized(view, true);
	}
	if (toplevel->requested.fullscreen) {
		view_set_fullscreen(view, true, toplevel->requested.fullscreen_output);
	}
	fw_view_focus(view);
}

static void view_handle_unmap(struct wl_listener *listener, void *data) {
	struct fw_view *view = wl_container_of(listener, view, unmap);
	struct fw_server *server = view->server;
	view->mapped = false;
	wl_list_remove(&view->link);
	wl_list_init(&view->link);
	fw_seat_end_grab(server->seat, view);
	/* Hand keyboard focus to the next window down the stack. */
	struct wlr_seat *seat = server->seat->seat;
	struct wlr_surface *focused = seat->keyboard_state.focused_surface;
	if (focused == NULL || focused == view->xdg_surface->surface) {
		wlr_seat_keyboard_notify_clear_focus(seat);
		if (!wl_list_empty(&server->views)) {
			struct fw_view *next =
				wl_container_of(server->views.next, next, link);
			fw_view_focus(next);
		}
	}
	fw_cursor_refocus(server->cursor);
}

/* A commit can move what is under the pointer: a new size, window
 * geometry, input region, or subsurface position or stacking (applied
 * with the parent's commit).  Looking again costs one scene lookup and
 * sends nothing unless something changed for the pointer. */
static void view_handle_commit(struct wl_listener *listener, void *data) {
	struct fw_view *view = wl_container_of(listener, view, commit);
	if (view->mapped) {
		fw_cursor_refocus(view->server->cursor);
	}
}

static void view_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_view *view = wl_container_of(listener, view, destroy);
	/* wlroots unmaps before it destroys, and unmap ended any grab. */
	assert(view->server->seat->grab.view != view);
	wl_list_remove(&view->link);
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->commit.link);
	wl_list_remove(&view->request_move.link);
	wl_list_remove(&view->request_resize.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->request_fullscreen.link);
	free(view);
}

/* Same rule as move: the focused client, with a button held. */
static bool view_may_grab(struct fw_view *view) {
	struct wlr_seat *seat = view->server->seat->seat;
	struct wlr_surface *focused = seat->pointer_state.focused_surface;
	return focused != NULL && seat->pointer_state.button_count > 0 &&
		wl_resource_get_client(focused->resource) ==
		wl_resource_get_client(view->xdg_surface->resource);
}

static void view_handle_request_move(struct wl_listener *listener, void *data) {
	/* A client asks to be dragged (from its own title bar).  Only honour
	 * it for the focused client while a button is down; otherwise any
	 * client could grab the pointer. */
	struct fw_view *view = wl_container_of(listener, view, request_move);
	struct fw_server *server = view->server;
	if (!view_may_grab(view)) {
		return;
	}
	fw_cursor_begin_move(view);
	server->seat->grab.from_client = true;
}

static void view_handle_request_resize(struct wl_listener *listener,
	void *data) {
	struct fw_view *view = wl_container_of(listener, view, request_resize);
	struct wlr_xdg_toplevel_resize_event *event = data;
	if (!view_may_grab(view) || view->maximized || view->fullscreen) {
		return;
	}
	fw_cursor_begin_resize(view, event->edges);
	view->server->seat->grab.from_client = true;
}

static void view_handle_request_maximize(struct wl_listener *listener,
	void *data) {
	struct fw_view *view = wl_container_of(listener, view, request_maximize);
	if (!view->mapped) {
		/* Applied at map from toplevel->requested. */
		return;
	}
	view_set_maximized(view, view->xdg_surface->toplevel->requested.maximized);
}

static void view_handle_request_fullscreen(struct wl_listener *listener,
	void *data) {
	struct fw_view *view = wl_container_of(listener, view, request_fullscreen);
	struct wlr_xdg_toplevel_set_fullscreen_event *event = data;
	if (!view->mapped) {
		return;
	}
	view_set_fullscreen(view, event->fullscreen, event->output);
}

/* Keep a new popup inside the output layout, in the coordinates of its
 * toplevel's surface (what wlroots expects). */
static void popup_unconstrain(struct fw_server *server,
	struct wlr_xdg_surface *popup_surface) {
	struct wlr_xdg_surface *root = popup_surface;
	while (root != NULL && root->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		struct wlr_surface *parent = root->popup->parent;
		root = parent != NULL && wlr_surface_is_xdg_surface(parent)
			? wlr_xdg_surface_from_wlr_surface(parent)
			: NULL;
	}
	if (root == NULL || root->data == NULL) {
		return;
	}
	/* The root's node sits at its window geometry, geo.x/geo.y after
	 * the surface's origin. */
	struct wlr_scene_node *root_node = root->data;
	int rx = 0, ry = 0;
	wlr_scene_node_coords(root_node, &rx, &ry);
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(root, &geo);
	struct wlr_box layout;
	layout = *wlr_output_layout_get_box(server->output_layout, NULL);
	layout.x -= rx - geo.x;
	layout.y -= ry - geo.y;
	wlr_xdg_popup_unconstrain_from_box(popup_surface->popup, &layout);
}

static void server_handle_new_xdg_surface(struct wl_listener *listener,
	void *data) {
	struct fw_server *server =
		wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		/* Draw the popup in its parent's tree so it moves and stacks with
		 * it; parent->data is the parent's scene node. */
		struct wlr_surface *parent_surface = xdg_surface->popup->parent;
		if (parent_surface == NULL ||
			!wlr_surface_is_xdg_surface(parent_surface)) {
			return;
		}
		struct wlr_xdg_surface *parent =
			wlr_xdg_surface_from_wlr_surface(parent_surface);
		assert(parent != NULL);
		if (parent->data == NULL) {
			/* A parent we never drew (not a toplevel or popup of ours). */
			return;
		}
		xdg_surface->data =
			wlr_scene_xdg_surface_create(parent->data, xdg_surface);
		popup_unconstrain(server, xdg_surface);
		return;
	}
	if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}

	struct fw_view *view = calloc(1, sizeof(*view));
	if (view == NULL) {
		wl_client_post_no_memory(wl_resource_get_client(xdg_surface->resource));
		return;
	}
	view->server = server;
	view->id = ++server->next_view_id;
	view->xdg_surface = xdg_surface;
	view->scene_node =
		wlr_scene_xdg_surface_create(&server->scene->node, xdg_surface);
	if (view->scene_node == NULL) {
		free(view);
		wl_client_post_no_memory(wl_resource_get_client(xdg_surface->resource));
		return;
	}
	view->scene_node->data = view;
	xdg_surface->data = view->scene_node;
	wl_list_init(&view->link);

	view->map.notify = view_handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = view_handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = view_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->commit.notify = view_handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &view->commit);
	struct wlr_xdg_toplevel *toplevel = xdg_surface->toplevel;
	view->request_move.notify = view_handle_request_move;
	wl_signal_add(&toplevel->events.request_move, &view->request_move);
	view->request_resize.notify = view_handle_request_resize;
	wl_signal_add(&toplevel->events.request_resize, &view->request_resize);
	view->request_maximize.notify = view_handle_request_maximize;
	wl_signal_add(&toplevel->events.request_maximize, &view->request_maximize);
	view->request_fullscreen.notify = view_handle_request_fullscreen;
	wl_signal_add(&toplevel->events.request_fullscreen,
		&view->request_fullscreen);
}

/*
 * wl_surface.destroy while its xdg_toplevel or xdg_popup lives leaves the
 * role object inert, and wlroots 0.15 reads NULL on the next request to an
 * inert toplevel.  Newer protocol text makes that order an error
 * (wl_surface's defunct_role_object, docs/compositor.md); the rule is
 * checked here, before wlroots handles the request: the client is
 * disconnected before its next request is read.
 */
#define WL_SURFACE_ERROR_DEFUNCT_ROLE_OBJECT_ 4

static bool has_live_role_object(struct wlr_surface *surface) {
	if (surface == NULL || !wlr_surface_is_xdg_surface(surface)) {
		return false;
	}
	struct wlr_xdg_surface *xdg = wlr_xdg_surface_from_wlr_surface(surface);
	if (xdg == NULL) {
		return false;
	}
	switch (xdg->role) {
	case WLR_XDG_SURFACE_ROLE_TOPLEVEL:
		return xdg->toplevel != NULL && xdg->toplevel->resource != NULL;
	case WLR_XDG_SURFACE_ROLE_POPUP:
		return xdg->popup != NULL && xdg->popup->resource != NULL;
	default:
		return false;
	}
}

static void observe_surface_destroy(
	const struct wl_protocol_logger_message *message, void *data) {
	if (has_live_role_object(wlr_surface_from_resource(message->resource))) {
		wl_resource_post_error(message->resource,
			WL_SURFACE_ERROR_DEFUNCT_ROLE_OBJECT_,
			"defunct_role_object: wl_surface destroyed before its "
			"xdg_toplevel/xdg_popup");
	}
}

bool fw_xdg_shell_init(struct fw_server *server) {
	wl_list_init(&server->views);
	server->xdg_shell = wlr_xdg_shell_create(server->display);
	if (server->xdg_shell == NULL) {
		return false;
	}
	if (!fw_protocol_watch_add(server->protocol_watch, &wl_surface_interface,
			WL_PROTOCOL_LOGGER_REQUEST, "destroy", observe_surface_destroy,
			server)) {
		return false;
	}
	server->new_xdg_surface.notify = server_handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface,
		&server->new_xdg_surface);
	return true;
}

void fw_xdg_shell_finish(struct fw_server *server) {
	fw_protocol_watch_remove(server->protocol_watch, server);
	if (server->xdg_shell != NULL) {
		wl_list_remove(&server->new_xdg_surface.link);
	}
}
