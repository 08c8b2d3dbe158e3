/*
 * The seat: one wlr_seat, its keyboards, and the window grab (move or
 * resize) in progress.  struct fw_seat is owned by seat.c: created by
 * fw_seat_init() and freed by fw_seat_finish(); every other file only
 * reads it, except the grab, which cursor.c starts and ends and view.c
 * cancels when the grabbed view goes away (fw_seat_end_grab()).
 */
#ifndef FENCEWAY_SEAT_H
#define FENCEWAY_SEAT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/util/box.h>

struct fw_server;
struct fw_view;
struct wlr_backend;
struct wlr_seat;

enum fw_grab_mode {
	FW_GRAB_NONE,   /* events go to the surface under the pointer */
	FW_GRAB_MOVE,   /* Alt+drag or xdg_toplevel.move in progress */
	FW_GRAB_RESIZE, /* xdg_toplevel.resize in progress */
};

/* A window following the pointer until the button goes up. */
struct fw_grab {
	enum fw_grab_mode mode;
	struct fw_view *view;    /* not owned; cleared when the view unmaps */
	double x, y;             /* MOVE: pointer offset in the window;
	                              RESIZE: pointer position at the start */
	struct wlr_box geometry; /* RESIZE: window box at the start, layout */
	uint32_t edges;          /* RESIZE: enum wlr_edges */
	bool from_client;        /* the client saw the button press */
};

struct fw_seat {
	struct fw_server *server;
	struct wlr_seat *seat;        /* display-owned, dies with it */
	struct wl_list keyboards;     /* struct fw_keyboard.link */
	struct wl_list touch_devices; /* struct fw_touch_device.link */
	struct fw_grab grab;

	struct wl_listener new_input;
	struct wl_listener request_set_cursor;
	struct wl_listener request_set_selection;
	/* --test-input only: devices made by clients, plugged in as real ones */
	struct wl_listener new_virtual_pointer;
	struct wl_listener new_virtual_keyboard;
};

/* End any grab on view (it unmaps or goes away). */
void fw_seat_end_grab(struct fw_seat *seat, struct fw_view *view);

#endif
