/*
 * The pointer: one wlr_cursor fed by every pointer device.  Moves go to
 * the surface underneath (or drag a window during a move), a click
 * focuses and raises the window under it, Alt+button-drag moves it.
 * Touch points go to the surface they went down on, which is focused and
 * raised like a click.
 */
#include <assert.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <time.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_touch.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/edges.h>
#include <wlr/util/log.h>
#include "cursor.h"
#include "seat.h"
#include "server.h"
#include "view.h"

void fw_cursor_begin_move(struct fw_view *view) {
	struct wlr_cursor *cursor = view->server->cursor->cursor;
	struct fw_grab *grab = &view->server->seat->grab;
	grab->view = view;
	grab->mode = FW_GRAB_MOVE;
	/* While the window follows the pointer, no client has the pointer
	 * (a client-started move gets its leave, as after any grab). */
	wlr_seat_pointer_notify_clear_focus(view->server->seat->seat);
	/* Keep the offset of the pointer inside the window while dragging. */
	grab->x = cursor->x - view->x;
	grab->y = cursor->y - view->y;
}

void fw_cursor_begin_resize(struct fw_view *view, uint32_t edges) {
	struct wlr_cursor *cursor = view->server->cursor->cursor;
	struct fw_grab *grab = &view->server->seat->grab;
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	grab->view = view;
	grab->mode = FW_GRAB_RESIZE;
	wlr_seat_pointer_notify_clear_focus(view->server->seat->seat);
	grab->edges = edges;
	/* The window box in layout coordinates; the pointer's motion from
	 * here on moves the grabbed edges by the same amount. */
	grab->geometry = (struct wlr_box){
		.x = view->x,
		.y = view->y,
		.width = geo.width,
		.height = geo.height,
	};
	grab->x = cursor->x;
	grab->y = cursor->y;
}

static void process_resize(struct fw_cursor *cursor) {
	struct fw_grab *grab = &cursor->server->seat->grab;
	struct fw_view *view = grab->view;
	const struct wlr_box *start = &grab->geometry;
	int dx = (int)(cursor->cursor->x - grab->x);
	int dy = (int)(cursor->cursor->y - grab->y);
	int left = start->x, right = start->x + start->width;
	int top = start->y, bottom = start->y + start->height;
	uint32_t edges = grab->edges;
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
	fw_view_move(view, left, top);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)(right - left),
		(uint32_t)(bottom - top));
}

void fw_cursor_reset_image(struct fw_cursor *cursor) {
	wlr_xcursor_manager_set_cursor_image(cursor->xcursor, "left_ptr",
		cursor->cursor);
}

/* Layout position of a surface drawn in the scene (a touch point's). */
struct surface_search {
	struct wlr_surface *surface;
	int lx, ly;
	bool found;
};

static void find_surface(struct wlr_surface *surface, int lx, int ly,
	void *data) {
	struct surface_search *search = data;
	if (surface == search->surface) {
		search->lx = lx;
		search->ly = ly;
		search->found = true;
	}
}

static bool surface_position(struct fw_server *server,
	struct wlr_surface *surface, int *lx, int *ly) {
	struct surface_search search = {.surface = surface};
	wlr_scene_node_for_each_surface(&server->scene->node, find_surface,
		&search);
	*lx = search.lx;
	*ly = search.ly;
	return search.found;
}

/* While a button is held the surface it went down on keeps the pointer
 * (an implicit grab: drags leave the window and come back).  True if so,
 * with that surface's layout position. */
static bool implicit_grab(struct fw_cursor *cursor, int *lx, int *ly) {
	struct wlr_seat_pointer_state *pointer =
		&cursor->server->seat->seat->pointer_state;
	return pointer->button_count > 0 && pointer->focused_surface != NULL &&
		surface_position(cursor->server, pointer->focused_surface, lx, ly);
}

static void process_motion(struct fw_cursor *cursor, uint32_t time) {
	struct fw_server *server = cursor->server;
	struct wlr_seat *seat = server->seat->seat;
	struct fw_grab *grab = &server->seat->grab;
	/* A grab ends with its view (fw_seat_end_grab). */
	assert(grab->mode == FW_GRAB_NONE || grab->view != NULL);
	if (grab->mode == FW_GRAB_MOVE) {
		fw_view_move(grab->view, (int)(cursor->cursor->x - grab->x),
			(int)(cursor->cursor->y - grab->y));
		return;
	}
	if (grab->mode == FW_GRAB_RESIZE) {
		process_resize(cursor);
		return;
	}
	int lx, ly;
	if (implicit_grab(cursor, &lx, &ly)) {
		wlr_seat_pointer_notify_motion(seat, time, cursor->cursor->x - lx,
			cursor->cursor->y - ly);
		return;
	}
	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, cursor->cursor->x,
		cursor->cursor->y, &surface, &sx, &sy);
	if (view == NULL) {
		/* Over the background: our own image, no client focus. */
		fw_cursor_reset_image(cursor);
		wlr_seat_pointer_clear_focus(seat);
		return;
	}
	/* Enter is a no-op when focus does not change; motion always goes. */
	wlr_seat_pointer_notify_enter(seat, surface, sx, sy);
	wlr_seat_pointer_notify_motion(seat, time, sx, sy);
}

static uint32_t now_msec(void) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)(now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

void fw_cursor_refocus(struct fw_cursor *cursor) {
	struct fw_server *server = cursor->server;
	int lx, ly;
	if (server->seat == NULL || server->seat->grab.mode != FW_GRAB_NONE ||
		implicit_grab(cursor, &lx, &ly)) {
		return;
	}
	struct wlr_seat *seat = server->seat->seat;
	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, cursor->cursor->x,
		cursor->cursor->y, &surface, &sx, &sy);
	struct wlr_seat_pointer_state *pointer = &seat->pointer_state;
	/* Enter and leave come with their own frame. */
	if (view == NULL) {
		if (pointer->focused_surface != NULL) {
			fw_cursor_reset_image(cursor);
			wlr_seat_pointer_clear_focus(seat);
		}
		return;
	}
	if (pointer->focused_surface != surface) {
		wlr_seat_pointer_notify_enter(seat, surface, sx, sy);
	} else if (pointer->sx != sx || pointer->sy != sy) {
		wlr_seat_pointer_notify_motion(seat, now_msec(), sx, sy);
		wlr_seat_pointer_notify_frame(seat);
	}
}

static void cursor_handle_motion(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, motion);
	struct wlr_event_pointer_motion *event = data;
	wlr_cursor_move(cursor->cursor, event->device, event->delta_x,
		event->delta_y);
	process_motion(cursor, event->time_msec);
}

static void cursor_handle_motion_absolute(struct wl_listener *listener,
	void *data) {
	struct fw_cursor *cursor =
		wl_container_of(listener, cursor, motion_absolute);
	struct wlr_event_pointer_motion_absolute *event = data;
	wlr_cursor_warp_absolute(cursor->cursor, event->device, event->x, event->y);
	process_motion(cursor, event->time_msec);
}

static bool alt_held(struct wlr_seat *seat) {
	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat);
	return keyboard != NULL &&
		(wlr_keyboard_get_modifiers(keyboard) & WLR_MODIFIER_ALT);
}

static void cursor_handle_button(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, button);
	struct fw_server *server = cursor->server;
	struct wlr_seat *seat = server->seat->seat;
	struct fw_grab *grab = &server->seat->grab;
	struct wlr_event_pointer_button *event = data;

	if (event->state == WLR_BUTTON_RELEASED) {
		bool seen = true;
		if (grab->mode != FW_GRAB_NONE) {
			/* A client that asked for the move/resize saw the press (the
			 * seat counts it as held); after Alt+drag nobody did.  The
			 * pointer left the window when the grab began, so the
			 * release reaches no client either way. */
			seen = grab->from_client;
			fw_seat_end_grab(server->seat, grab->view);
		}
		if (seen) {
			wlr_seat_pointer_notify_button(seat, event->time_msec,
				event->button, event->state);
		}
		/* The last button up ends the implicit grab or the window grab. */
		fw_cursor_refocus(cursor);
		return;
	}

	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, cursor->cursor->x,
		cursor->cursor->y, &surface, &sx, &sy);
	fw_view_focus(view);
	if (view != NULL && event->button == BTN_LEFT && alt_held(seat)) {
		/* Alt+drag: ours, not the client's. */
		fw_cursor_begin_move(view);
		grab->from_client = false;
		return;
	}
	wlr_seat_pointer_notify_button(seat, event->time_msec, event->button,
		event->state);
}

static void cursor_handle_axis(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, axis);
	struct wlr_event_pointer_axis *event = data;
	wlr_seat_pointer_notify_axis(cursor->server->seat->seat, event->time_msec,
		event->orientation, event->delta, event->delta_discrete, event->source);
}

static void cursor_handle_frame(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, frame);
	wlr_seat_pointer_notify_frame(cursor->server->seat->seat);
}

static void cursor_handle_touch_down(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, touch_down);
	struct fw_server *server = cursor->server;
	struct wlr_event_touch_down *event = data;
	double lx, ly, sx, sy;
	wlr_cursor_absolute_to_layout_coords(cursor->cursor, event->device,
		event->x, event->y, &lx, &ly);
	struct wlr_surface *surface = NULL;
	struct fw_view *view = fw_view_at(server, lx, ly, &surface, &sx, &sy);
	if (view == NULL) {
		return;
	}
	fw_view_focus(view);
	wlr_seat_touch_notify_down(server->seat->seat, surface, event->time_msec,
		event->touch_id, sx, sy);
}

static void cursor_handle_touch_motion(struct wl_listener *listener,
	void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, touch_motion);
	struct fw_server *server = cursor->server;
	struct wlr_event_touch_motion *event = data;
	struct wlr_touch_point *point =
		wlr_seat_touch_get_point(server->seat->seat, event->touch_id);
	if (point == NULL || point->surface == NULL) {
		/* Went down on the background, or its surface is gone. */
		return;
	}
	/* Relative to the surface it went down on, wherever the point is. */
	int surface_lx, surface_ly;
	if (!surface_position(server, point->surface, &surface_lx, &surface_ly)) {
		return;
	}
	double lx, ly;
	wlr_cursor_absolute_to_layout_coords(cursor->cursor, event->device,
		event->x, event->y, &lx, &ly);
	wlr_seat_touch_notify_motion(server->seat->seat, event->time_msec,
		event->touch_id, lx - surface_lx, ly - surface_ly);
}

static void cursor_handle_touch_up(struct wl_listener *listener, void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, touch_up);
	struct wlr_event_touch_up *event = data;
	struct wlr_seat *seat = cursor->server->seat->seat;
	if (wlr_seat_touch_get_point(seat, event->touch_id) != NULL) {
		wlr_seat_touch_notify_up(seat, event->time_msec, event->touch_id);
	}
}

static void cursor_handle_touch_cancel(struct wl_listener *listener,
	void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, touch_cancel);
	struct wlr_event_touch_cancel *event = data;
	struct wlr_seat *seat = cursor->server->seat->seat;
	struct wlr_touch_point *point =
		wlr_seat_touch_get_point(seat, event->touch_id);
	if (point != NULL && point->surface != NULL) {
		wlr_seat_touch_notify_cancel(seat, point->surface);
	}
}

static void cursor_handle_touch_frame(struct wl_listener *listener,
	void *data) {
	struct fw_cursor *cursor = wl_container_of(listener, cursor, touch_frame);
	wlr_seat_touch_notify_frame(cursor->server->seat->seat);
}

bool fw_cursor_init(struct fw_server *server) {
	struct fw_cursor *cursor = calloc(1, sizeof(*cursor));
	if (cursor == NULL) {
		return false;
	}
	cursor->server = server;
	cursor->cursor = wlr_cursor_create();
	/* Images for the pointer over the background (XCURSOR_THEME/SIZE as
	 * everywhere); themes are loaded per output scale on demand. */
	const char *size_env = getenv("XCURSOR_SIZE");
	int size = size_env != NULL ? atoi(size_env) : 0;
	cursor->xcursor = wlr_xcursor_manager_create(getenv("XCURSOR_THEME"),
		size > 0 ? (uint32_t)size : 24);
	if (cursor->cursor == NULL || cursor->xcursor == NULL) {
		if (cursor->cursor != NULL) {
			wlr_cursor_destroy(cursor->cursor);
		}
		if (cursor->xcursor != NULL) {
			wlr_xcursor_manager_destroy(cursor->xcursor);
		}
		free(cursor);
		return false;
	}
	wlr_cursor_attach_output_layout(cursor->cursor, server->output_layout);
	wlr_xcursor_manager_load(cursor->xcursor, 1);

	cursor->motion.notify = cursor_handle_motion;
	wl_signal_add(&cursor->cursor->events.motion, &cursor->motion);
	cursor->motion_absolute.notify = cursor_handle_motion_absolute;
	wl_signal_add(&cursor->cursor->events.motion_absolute,
		&cursor->motion_absolute);
	cursor->button.notify = cursor_handle_button;
	wl_signal_add(&cursor->cursor->events.button, &cursor->button);
	cursor->axis.notify = cursor_handle_axis;
	wl_signal_add(&cursor->cursor->events.axis, &cursor->axis);
	cursor->frame.notify = cursor_handle_frame;
	wl_signal_add(&cursor->cursor->events.frame, &cursor->frame);
	cursor->touch_down.notify = cursor_handle_touch_down;
	wl_signal_add(&cursor->cursor->events.touch_down, &cursor->touch_down);
	cursor->touch_up.notify = cursor_handle_touch_up;
	wl_signal_add(&cursor->cursor->events.touch_up, &cursor->touch_up);
	cursor->touch_motion.notify = cursor_handle_touch_motion;
	wl_signal_add(&cursor->cursor->events.touch_motion, &cursor->touch_motion);
	cursor->touch_cancel.notify = cursor_handle_touch_cancel;
	wl_signal_add(&cursor->cursor->events.touch_cancel, &cursor->touch_cancel);
	cursor->touch_frame.notify = cursor_handle_touch_frame;
	wl_signal_add(&cursor->cursor->events.touch_frame, &cursor->touch_frame);
	server->cursor = cursor;
	return true;
}

void fw_cursor_finish(struct fw_server *server) {
	struct fw_cursor *cursor = server->cursor;
	if (cursor == NULL) {
		return;
	}
	wl_list_remove(&cursor->motion.link);
	wl_list_remove(&cursor->motion_absolute.link);
	wl_list_remove(&cursor->button.link);
	wl_list_remove(&cursor->axis.link);
	wl_list_remove(&cursor->frame.link);
	wl_list_remove(&cursor->touch_down.link);
	wl_list_remove(&cursor->touch_up.link);
	wl_list_remove(&cursor->touch_motion.link);
	wl_list_remove(&cursor->touch_cancel.link);
	wl_list_remove(&cursor->touch_frame.link);
	wlr_xcursor_manager_destroy(cursor->xcursor);
	wlr_cursor_destroy(cursor->cursor);
	free(cursor);
	server->cursor = NULL;
}
