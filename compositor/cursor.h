/*
 * The pointer and touch: one wlr_cursor fed by every pointer and touch
 * device, and the image shown over the background.  struct fw_cursor is owned by cursor.c:
 * created by fw_cursor_init() and freed by fw_cursor_finish().
 */
#ifndef FENCEWAY_CURSOR_H
#define FENCEWAY_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct fw_server;
struct fw_view;
struct wlr_cursor;
struct wlr_xcursor_manager;

struct fw_cursor {
	struct fw_server *server;
	struct wlr_cursor *cursor;           /* owned */
	struct wlr_xcursor_manager *xcursor; /* owned */
	struct wl_listener motion;
	struct wl_listener motion_absolute;
	struct wl_listener button;
	struct wl_listener axis;
	struct wl_listener frame;
	struct wl_listener touch_down;
	struct wl_listener touch_up;
	struct wl_listener touch_motion;
	struct wl_listener touch_cancel;
	struct wl_listener touch_frame;
};

/* Show our own pointer image (over the background, and on a new output). */
void fw_cursor_reset_image(struct fw_cursor *cursor);

/* The scene under the pointer changed (a window moved, resized, mapped or
 * unmapped): send enter/leave, or motion when the surface moved under the
 * pointer, as if the pointer had moved.  No-op during a grab. */
void fw_cursor_refocus(struct fw_cursor *cursor);

/* Start dragging a view with the pointer. */
void fw_cursor_begin_move(struct fw_view *view);
/* Start resizing a view from the given edges (enum wlr_edges). */
void fw_cursor_begin_resize(struct fw_view *view, uint32_t edges);

#endif
