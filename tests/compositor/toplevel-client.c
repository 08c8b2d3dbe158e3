/*
 * Test client: one xdg toplevel filled with a solid colour, always drawn at
 * the size the compositor configures (64x64 when it leaves the choice to
 * us).  Prints every configure it acks, one line each, flushed:
 *
 *     configure WxH activated=A maximized=M fullscreen=F
 *
 * so a test can follow focus (activated) and window states.  Keyboard
 * and pointer focus as the seat reports them are printed the same way:
 *
 *     keyboard enter
 *     keyboard leave
 *     pointer enter X,Y
 *     pointer leave
 *
 *   fw-test-toplevel-client 0xRRGGBB [maximize | WxH]
 *
 * With "maximize" the client asks to be maximized once it is mapped; with
 * WxH it draws at that size when the compositor leaves the choice to it.
 * Runs until the connection ends or it is killed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "wl-test-client.h"

#define DEFAULT_SIZE 64
#define MAX_BUFFERS 16

struct client {
	struct wtc_conn conn;
	struct wtc_toplevel tl;
	uint32_t colour;
	bool want_maximize, asked_maximize, mapped;
	int32_t default_width, default_height;
	int32_t width, height;     /* of the buffer attached last */
	/* Buffers stay alive until exit: never destroy one the compositor
	 * may still be reading. */
	struct wl_buffer *buffers[MAX_BUFFERS];
	int nbuffers;
	struct wl_seat *seat;          /* NULL until announced */
	struct wl_keyboard *keyboard;  /* once the seat has a keyboard */
	struct wl_pointer *pointer;    /* once the seat has a pointer */
};

static void pointer_enter(void *data, struct wl_pointer *pointer,
		uint32_t serial, struct wl_surface *surface, wl_fixed_t sx,
		wl_fixed_t sy) {
	printf("pointer enter %d,%d\n", wl_fixed_to_int(sx), wl_fixed_to_int(sy));
	fflush(stdout);
}

static void pointer_leave(void *data, struct wl_pointer *pointer,
		uint32_t serial, struct wl_surface *surface) {
	printf("pointer leave\n");
	fflush(stdout);
}

static void pointer_motion(void *data, struct wl_pointer *pointer,
		uint32_t time, wl_fixed_t sx, wl_fixed_t sy) {
}

static void pointer_button(void *data, struct wl_pointer *pointer,
		uint32_t serial, uint32_t time, uint32_t button, uint32_t state) {
}

static void pointer_axis(void *data, struct wl_pointer *pointer,
		uint32_t time, uint32_t axis, wl_fixed_t value) {
}

static void pointer_frame(void *data, struct wl_pointer *pointer) {
}

static void pointer_axis_source(void *data, struct wl_pointer *pointer,
		uint32_t source) {
}

static void pointer_axis_stop(void *data, struct wl_pointer *pointer,
		uint32_t time, uint32_t axis) {
}

static void pointer_axis_discrete(void *data, struct wl_pointer *pointer,
		uint32_t axis, int32_t discrete) {
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
	.frame = pointer_frame,
	.axis_source = pointer_axis_source,
	.axis_stop = pointer_axis_stop,
	.axis_discrete = pointer_axis_discrete,
};

/* Keyboard focus is all we report; key events are not looked at. */
static void keyboard_keymap(void *data, struct wl_keyboard *keyboard,
		uint32_t format, int32_t fd, uint32_t size) {
	close(fd);   /* every keymap comes with a new fd */
}

static void keyboard_enter(void *data, struct wl_keyboard *keyboard,
		uint32_t serial, struct wl_surface *surface, struct wl_array *keys) {
	printf("keyboard enter\n");
	fflush(stdout);
}

static void keyboard_leave(void *data, struct wl_keyboard *keyboard,
		uint32_t serial, struct wl_surface *surface) {
	printf("keyboard leave\n");
	fflush(stdout);
}

static void keyboard_key(void *data, struct wl_keyboard *keyboard,
		uint32_t serial, uint32_t time, uint32_t key, uint32_t state) {
}

static void keyboard_modifiers(void *data, struct wl_keyboard *keyboard,
		uint32_t serial, uint32_t depressed, uint32_t latched,
		uint32_t locked, uint32_t group) {
}

static void keyboard_repeat_info(void *data, struct wl_keyboard *keyboard,
		int32_t rate, int32_t delay) {
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

/* The keyboard capability may come and go with the seat's devices. */
static void seat_capabilities(void *data, struct wl_seat *seat,
		uint32_t caps) {
	struct client *c = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && c->keyboard == NULL) {
		c->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(c->keyboard, &keyboard_listener, c);
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && c->pointer == NULL) {
		c->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(c->pointer, &pointer_listener, c);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name) {
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static void other_global(struct wtc_conn *conn, uint32_t name,
		const char *interface, uint32_t version) {
	struct client *c = conn->data;
	if (strcmp(interface, wl_seat_interface.name) == 0 && c->seat == NULL) {
		/* Version 5 for wl_keyboard.release and repeat_info. */
		c->seat = wl_registry_bind(conn->registry, name, &wl_seat_interface,
			version < 5 ? version : 5);
		wl_seat_add_listener(c->seat, &seat_listener, c);
	}
}

static struct wl_buffer *make_buffer(struct client *c, int32_t w, int32_t h) {
	if (c->nbuffers == MAX_BUFFERS) {
		wtc_die("too many resizes");
	}
	struct wl_buffer *buffer = wtc_shm_buffer(&c->conn, w, h,
		0xff000000u | c->colour);
	c->buffers[c->nbuffers++] = buffer;
	return buffer;
}

/* Each acked configure: draw at the configured size, then report it. */
static void configured(struct wtc_toplevel *tl) {
	struct client *c = tl->data;
	int32_t w = tl->width > 0 ? tl->width : c->default_width;
	int32_t h = tl->height > 0 ? tl->height : c->default_height;
	if (w != c->width || h != c->height || !c->mapped) {
		wl_surface_attach(tl->surface, make_buffer(c, w, h), 0, 0);
		wl_surface_damage_buffer(tl->surface, 0, 0, w, h);
		c->width = w;
		c->height = h;
	}
	wl_surface_commit(tl->surface);
	c->mapped = true;
	printf("configure %dx%d activated=%d maximized=%d fullscreen=%d\n",
		tl->width, tl->height, tl->activated, tl->maximized,
		tl->fullscreen);
	fflush(stdout);
	if (c->want_maximize && !c->asked_maximize) {
		c->asked_maximize = true;
		xdg_toplevel_set_maximized(tl->toplevel);
	}
}

int main(int argc, char *argv[]) {
	struct client c = {
		.default_width = DEFAULT_SIZE, .default_height = DEFAULT_SIZE,
	};
	c.want_maximize = argc == 3 && strcmp(argv[2], "maximize") == 0;
	if (argc < 2 || argc > 3 || (argc == 3 && !c.want_maximize &&
			(sscanf(argv[2], "%dx%d", &c.default_width,
				&c.default_height) != 2 ||
			c.default_width <= 0 || c.default_height <= 0))) {
		fprintf(stderr, "usage: %s 0xRRGGBB [maximize | WxH]\n", argv[0]);
		return 2;
	}
	c.colour = (uint32_t)strtoul(argv[1], NULL, 16) & 0xffffff;

	c.conn.other_global = other_global;
	c.conn.data = &c;
	wtc_connect(&c.conn);
	char title[64];
	snprintf(title, sizeof(title), "fw-test-toplevel %06x", c.colour);
	wtc_toplevel_init(&c.tl, &c.conn, title);
	c.tl.on_configure = configured;
	c.tl.data = &c;
	wl_surface_commit(c.tl.surface);

	while (wl_display_dispatch(c.conn.display) >= 0) {
	}

	/* The compositor went away: free everything (LeakSanitizer). */
	for (int i = 0; i < c.nbuffers; i++) {
		wl_buffer_destroy(c.buffers[i]);
	}
	if (c.keyboard != NULL) {
		if (wl_keyboard_get_version(c.keyboard) >= 3) {
			wl_keyboard_release(c.keyboard);
		} else {
			wl_keyboard_destroy(c.keyboard);
		}
	}
	if (c.pointer != NULL) {
		if (wl_pointer_get_version(c.pointer) >= 3) {
			wl_pointer_release(c.pointer);
		} else {
			wl_pointer_destroy(c.pointer);
		}
	}
	if (c.seat != NULL) {
		if (wl_seat_get_version(c.seat) >= 5) {
			wl_seat_release(c.seat);
		} else {
			wl_seat_destroy(c.seat);
		}
	}
	wtc_toplevel_finish(&c.tl);
	wtc_disconnect(&c.conn);
	return 0;
}
