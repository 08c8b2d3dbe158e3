/*
 * The pointer: one wlr_cursor fed by every pointer device.  Moves go to
 * the surface underneath (or drag a window during a move), a click
 * focuses and raises the window under it, Alt+button-drag moves it.
 */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/edges.h>
#include <wlr/util/log.h>
#include "server.h"
#include "view.h"

void fw_cursor_begin_move(struct fw_view *view) {
	struct fw_server *server = view->server;
	server->grabbed_view = view;
	server->cursor_mode = FW_CURSOR_MOVE;
	/* Keep the offset of the pointer inside the window while dragging. */
	server->grab_x = server->cursor->x - view->x;
	server->grab_y = server->cursor->y - view->y;
}

void fw_cursor_begin_resize(struct fw_view *view, uint32_t edges) {
	struct fw_server *server = view->server;
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	server->grabbed_view = view;
	server->cursor_mode = FW_CURSOR_RESIZE;
	server->resize_edges = edges;
	/* The window box in layout coordinates; the pointer's motion from
	 * here on moves the grabbed edges by the same amount. */
	server->grab_geometry = (struct wlr_box){
		.x = view->x + geo.x, .y = view->y + geo.y,
		.width = geo.width, .height = geo.height,
	};
	server->grab_x = server->cursor->x;
	server->grab_y = server->cursor->y;
}

static void process_resize(struct fw_server *server) {
	struct fw_view *view = server->grabbed_view;
	const struct wlr_box *start = &server->grab_geometry;
	int dx = (int)(server->cursor->x - server->grab_x);
	int dy = (int)(server->cursor->y - server->grab_y);
	int left = start->x, right = start->x + start->width;
	int top = start->y, bottom = start->y + start->height;
	uint32_t edges = server->resize_edges;
	/* Move the grabbed edges; never let a window shrink below 1x1. */
	if (edges & WLR_EDGE_LEFT) {
		left = left + dx < right - 1 ? left + dx : right - 1;
	} else if (edges & WLR_EDGE_RIGHT) {
		right = right + dx > left + 1 ? right + dx : left + 1;
	}
	if (edges & WLR_EDGE_TOP) {
		top = top + dy < bottom - 1 ? top + dy : bottom - 1;
	} else if (edges & WLR_EDGE_BOTTOM) {
		bottom = bottom + dy > top + 1 ? bottom + dy : top + 1;
	}
	/* The surface origin sits geo.x/geo.y before the window's corner. */
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	fw_view_move(view, left - geo.x, top - geo.y);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)(right - left),
		(uint32_t)(bottom - top));
}

static void process_motion(struct fw_server *server, uint32_t time) {
	if (server->cursor_mode == FW_CURSOR_MOVE && server->grabbed_view) {
		fw_view_move(server->grabbed_view,
			(int)(server->cursor->x - server->grab_x),
			(int)(server->cursor->y - server->grab_y));
		return;
	}
	if (server->cursor_mode == FW_CURSOR_RESIZE && server->grabbed_view) {
		process_resize(server);
		return;
	}
	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, server->cursor->x,
		server->cursor->y, &surface, &sx, &sy);
	if (view == NULL || surface == NULL) {
		/* Over the background: our own image, no client focus. */
		wlr_xcursor_manager_set_cursor_image(server->cursor_mgr,
			"left_ptr", server->cursor);
		wlr_seat_pointer_clear_focus(server->seat);
		return;
	}
	/* Enter is a no-op when focus does not change; motion always goes. */
	wlr_seat_pointer_notify_enter(server->seat, surface, sx, sy);
	wlr_seat_pointer_notify_motion(server->seat, time, sx, sy);
}

static void cursor_handle_motion(struct wl_listener *listener, void *data) {
	struct fw_server *server =
		wl_container_of(listener, server, cursor_motion);
	struct wlr_event_pointer_motion *event = data;
	wlr_cursor_move(server->cursor, event->device, event->delta_x,
		event->delta_y);
	process_motion(server, event->time_msec);
}

static void cursor_handle_motion_absolute(struct wl_listener *listener,
		void *data) {
	struct fw_server *server =
		wl_container_of(listener, server, cursor_motion_absolute);
	struct wlr_event_pointer_motion_absolute *event = data;
	wlr_cursor_warp_absolute(server->cursor, event->device, event->x,
		event->y);
	process_motion(server, event->time_msec);
}

static bool alt_held(struct fw_server *server) {
	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(server->seat);
	return keyboard != NULL &&
		(wlr_keyboard_get_modifiers(keyboard) & WLR_MODIFIER_ALT);
}

static void cursor_handle_button(struct wl_listener *listener, void *data) {
	struct fw_server *server =
		wl_container_of(listener, server, cursor_button);
	struct wlr_event_pointer_button *event = data;

	if (event->state == WLR_BUTTON_RELEASED) {
		if (server->cursor_mode != FW_CURSOR_PASSTHROUGH) {
			server->cursor_mode = FW_CURSOR_PASSTHROUGH;
			server->grabbed_view = NULL;
			/* A client that asked for the move/resize saw the press and
			 * waits for the release; after Alt+drag it saw neither. */
			if (!server->grab_from_client) {
				return;
			}
		}
		wlr_seat_pointer_notify_button(server->seat, event->time_msec,
			event->button, event->state);
		return;
	}

	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, server->cursor->x,
		server->cursor->y, &surface, &sx, &sy);
	fw_view_focus(view);
	if (view != NULL && event->button == BTN_LEFT && alt_held(server)) {
		/* Alt+drag: ours, not the client's. */
		fw_cursor_begin_move(view);
		server->grab_from_client = false;
		return;
	}
	wlr_seat_pointer_notify_button(server->seat, event->time_msec,
		event->button, event->state);
}

static void cursor_handle_axis(struct wl_listener *listener, void *data) {
	struct fw_server *server = wl_container_of(listener, server, cursor_axis);
	struct wlr_event_pointer_axis *event = data;
	wlr_seat_pointer_notify_axis(server->seat, event->time_msec,
		event->orientation, event->delta, event->delta_discrete,
		event->source);
}

static void cursor_handle_frame(struct wl_listener *listener, void *data) {
	struct fw_server *server = wl_container_of(listener, server, cursor_frame);
	wlr_seat_pointer_notify_frame(server->seat);
}

bool fw_cursor_init(struct fw_server *server) {
	server->cursor = wlr_cursor_create();
	if (server->cursor == NULL) {
		return false;
	}
	wlr_cursor_attach_output_layout(server->cursor, server->output_layout);
	/* Images for the pointer over the background (XCURSOR_THEME/SIZE as
	 * everywhere); themes are loaded per output scale on demand. */
	const char *size_env = getenv("XCURSOR_SIZE");
	int size = size_env != NULL ? atoi(size_env) : 0;
	server->cursor_mgr = wlr_xcursor_manager_create(getenv("XCURSOR_THEME"),
		size > 0 ? (uint32_t)size : 24);
	if (server->cursor_mgr == NULL) {
		wlr_cursor_destroy(server->cursor);
		server->cursor = NULL;
		return false;
	}
	wlr_xcursor_manager_load(server->cursor_mgr, 1);

	server->cursor_mode = FW_CURSOR_PASSTHROUGH;
	server->cursor_motion.notify = cursor_handle_motion;
	wl_signal_add(&server->cursor->events.motion, &server->cursor_motion);
	server->cursor_motion_absolute.notify = cursor_handle_motion_absolute;
	wl_signal_add(&server->cursor->events.motion_absolute,
		&server->cursor_motion_absolute);
	server->cursor_button.notify = cursor_handle_button;
	wl_signal_add(&server->cursor->events.button, &server->cursor_button);
	server->cursor_axis.notify = cursor_handle_axis;
	wl_signal_add(&server->cursor->events.axis, &server->cursor_axis);
	server->cursor_frame.notify = cursor_handle_frame;
	wl_signal_add(&server->cursor->events.frame, &server->cursor_frame);
	return true;
}

void fw_cursor_finish(struct fw_server *server) {
	if (server->cursor == NULL) {
		return;
	}
	wl_list_remove(&server->cursor_motion.link);
	wl_list_remove(&server->cursor_motion_absolute.link);
	wl_list_remove(&server->cursor_button.link);
	wl_list_remove(&server->cursor_axis.link);
	wl_list_remove(&server->cursor_frame.link);
	if (server->cursor_mgr != NULL) {
		wlr_xcursor_manager_destroy(server->cursor_mgr);
		server->cursor_mgr = NULL;
	}
	wlr_cursor_destroy(server->cursor);
	server->cursor = NULL;
}
