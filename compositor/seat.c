/*
 * The seat and its keyboards: new input devices, keymaps, key bindings
 * (Alt+Escape quits, Ctrl+Alt+F1..F12 switch VTs), and the clipboard.
 * Pointers are handed to cursor.c.  With --test-input, virtual pointers
 * and keyboards made by clients come in through the same door as the
 * backend's devices.
 */
#include <assert.h>
#include <stdlib.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/backend/session.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_virtual_keyboard_v1.h>
#include <wlr/types/wlr_virtual_pointer_v1.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>
#include "cursor.h"
#include "seat.h"
#include "server.h"

struct fw_keyboard {
	struct fw_seat *seat;
	struct wlr_input_device *device; /* backend-owned */
	struct wl_list link;             /* fw_seat.keyboards */
	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

/* A touch device plugged in: the seat offers touch while there is one. */
struct fw_touch_device {
	struct fw_seat *seat;
	struct wl_list link; /* fw_seat.touch_devices */
	struct wl_listener destroy;
};

static void seat_update_capabilities(struct fw_seat *seat);

/* Compositor key bindings; true if the key was ours. */
static bool handle_binding(struct fw_server *server, xkb_keysym_t sym,
	uint32_t modifiers) {
	/* With a keymap that has them, Ctrl+Alt+Fn yields XF86Switch_VT_n. */
	if (sym >= XKB_KEY_XF86Switch_VT_1 && sym <= XKB_KEY_XF86Switch_VT_12) {
		if (server->session != NULL) {
			unsigned vt = sym - XKB_KEY_XF86Switch_VT_1 + 1;
			wlr_session_change_vt(server->session, vt);
		}
		return true;
	}
	if ((modifiers & WLR_MODIFIER_ALT) && sym == XKB_KEY_Escape) {
		wlr_log(WLR_INFO, "Alt+Escape: quitting");
		fw_server_terminate(server);
		return true;
	}
	return false;
}

static void keyboard_handle_modifiers(struct wl_listener *listener,
	void *data) {
	struct fw_keyboard *kb = wl_container_of(listener, kb, modifiers);
	/* A seat has one keyboard at a time for its clients: the last used. */
	wlr_seat_set_keyboard(kb->seat->seat, kb->device);
	wlr_seat_keyboard_notify_modifiers(kb->seat->seat,
		&kb->device->keyboard->modifiers);
}

static void keyboard_handle_key(struct wl_listener *listener, void *data) {
	struct fw_keyboard *kb = wl_container_of(listener, kb, key);
	struct fw_server *server = kb->seat->server;
	struct wlr_event_keyboard_key *event = data;
	struct wlr_keyboard *keyboard = kb->device->keyboard;

	/* libinput keycodes are evdev codes; xkb's are offset by 8. */
	uint32_t keycode = event->keycode + 8;
	const xkb_keysym_t *syms;
	int nsyms = xkb_state_key_get_syms(keyboard->xkb_state, keycode, &syms);

	bool handled = false;
	uint32_t modifiers = wlr_keyboard_get_modifiers(keyboard);
	if (event->state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		for (int i = 0; i < nsyms; i++) {
			handled = handle_binding(server, syms[i], modifiers) || handled;
		}
	}
	if (!handled) {
		wlr_seat_set_keyboard(kb->seat->seat, kb->device);
		wlr_seat_keyboard_notify_key(kb->seat->seat, event->time_msec,
			event->keycode, event->state);
	}
}

static void keyboard_free(struct fw_keyboard *kb) {
	wl_list_remove(&kb->modifiers.link);
	wl_list_remove(&kb->key.link);
	wl_list_remove(&kb->destroy.link);
	wl_list_remove(&kb->link);
	free(kb);
}

static void keyboard_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_keyboard *kb = wl_container_of(listener, kb, destroy);
	keyboard_free(kb);
}

static void new_keyboard(struct fw_seat *seat,
	struct wlr_input_device *device) {
	struct fw_keyboard *kb = calloc(1, sizeof(*kb));
	if (kb == NULL) {
		wlr_log(WLR_ERROR, "keyboard %s: out of memory", device->name);
		return;
	}
	kb->seat = seat;
	kb->device = device;

	/* The default XKB keymap (XKB_DEFAULT_* environment variables apply).
	 * Not for a virtual keyboard: its client sends the keymap its key
	 * codes mean, and ours would only be replaced. */
	if (wlr_input_device_get_virtual_keyboard(device) == NULL) {
		struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
		struct xkb_keymap *keymap = context == NULL
			? NULL
			: xkb_keymap_new_from_names(context, NULL,
				  XKB_KEYMAP_COMPILE_NO_FLAGS);
		if (keymap != NULL) {
			wlr_keyboard_set_keymap(device->keyboard, keymap);
		} else {
			wlr_log(WLR_ERROR, "keyboard %s: no keymap", device->name);
		}
		xkb_keymap_unref(keymap);
		xkb_context_unref(context);
	}
	wlr_keyboard_set_repeat_info(device->keyboard, 25, 600);

	kb->modifiers.notify = keyboard_handle_modifiers;
	wl_signal_add(&device->keyboard->events.modifiers, &kb->modifiers);
	kb->key.notify = keyboard_handle_key;
	wl_signal_add(&device->keyboard->events.key, &kb->key);
	kb->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &kb->destroy);
	wl_list_insert(&seat->keyboards, &kb->link);
	/* A virtual keyboard has no keymap until its client sends one, and
	 * the seat would hand clients that lack as an invalid keymap fd; it
	 * becomes the seat's keyboard with its first key or modifier. */
	if (device->keyboard->keymap != NULL) {
		wlr_seat_set_keyboard(seat->seat, device);
	}
}

static void touch_device_free(struct fw_touch_device *touch) {
	wl_list_remove(&touch->destroy.link);
	wl_list_remove(&touch->link);
	free(touch);
}

static void touch_device_handle_destroy(struct wl_listener *listener,
	void *data) {
	struct fw_touch_device *touch = wl_container_of(listener, touch, destroy);
	struct fw_seat *seat = touch->seat;
	touch_device_free(touch);
	seat_update_capabilities(seat);
}

static void new_touch_device(struct fw_seat *seat,
	struct wlr_input_device *device) {
	struct fw_touch_device *touch = calloc(1, sizeof(*touch));
	if (touch == NULL) {
		wlr_log(WLR_ERROR, "touch %s: out of memory", device->name);
		return;
	}
	touch->seat = seat;
	touch->destroy.notify = touch_device_handle_destroy;
	wl_signal_add(&device->events.destroy, &touch->destroy);
	wl_list_insert(&seat->touch_devices, &touch->link);
	/* The cursor turns its events into layout coordinates. */
	wlr_cursor_attach_input_device(seat->server->cursor->cursor, device);
}

static void seat_update_capabilities(struct fw_seat *seat) {
	uint32_t caps = WL_SEAT_CAPABILITY_POINTER;
	if (!wl_list_empty(&seat->keyboards)) {
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	if (!wl_list_empty(&seat->touch_devices)) {
		caps |= WL_SEAT_CAPABILITY_TOUCH;
	}
	wlr_seat_set_capabilities(seat->seat, caps);
}

/* Every input device, from the backend or (--test-input) a client. */
static void seat_add_device(struct fw_seat *seat,
	struct wlr_input_device *device) {
	switch (device->type) {
	case WLR_INPUT_DEVICE_KEYBOARD:
		new_keyboard(seat, device);
		break;
	case WLR_INPUT_DEVICE_POINTER:
		wlr_cursor_attach_input_device(seat->server->cursor->cursor, device);
		break;
	case WLR_INPUT_DEVICE_TOUCH:
		new_touch_device(seat, device);
		break;
	default:
		break;
	}
	wlr_log(WLR_INFO, "input device %s (type %d)", device->name,
		(int)device->type);
	seat_update_capabilities(seat);
}

static void seat_handle_new_input(struct wl_listener *listener, void *data) {
	struct fw_seat *seat = wl_container_of(listener, seat, new_input);
	seat_add_device(seat, data);
}

/* A virtual device is destroyed by wlroots when its client destroys it or
 * goes away; the device's destroy signal cleans up as for real ones. */
static void handle_new_virtual_pointer(struct wl_listener *listener,
	void *data) {
	struct fw_seat *seat = wl_container_of(listener, seat, new_virtual_pointer);
	struct wlr_virtual_pointer_v1_new_pointer_event *event = data;
	/* One seat: the client's suggested seat and output are ignored. */
	seat_add_device(seat, &event->new_pointer->input_device);
}

static void handle_new_virtual_keyboard(struct wl_listener *listener,
	void *data) {
	struct fw_seat *seat =
		wl_container_of(listener, seat, new_virtual_keyboard);
	struct wlr_virtual_keyboard_v1 *keyboard = data;
	seat_add_device(seat, &keyboard->input_device);
}

/* Off unless asked for: with these globals any client could move the
 * pointer, click and type into every other client.  Tests need them
 * because the headless backend has no input devices of its own. */
static bool seat_init_test_input(struct fw_seat *seat) {
	struct wl_display *display = seat->server->display;
	struct wlr_virtual_pointer_manager_v1 *pointers =
		wlr_virtual_pointer_manager_v1_create(display);
	struct wlr_virtual_keyboard_manager_v1 *keyboards =
		wlr_virtual_keyboard_manager_v1_create(display);
	if (pointers == NULL || keyboards == NULL) {
		/* Whatever was made goes with the display. */
		wlr_log(WLR_ERROR, "--test-input: cannot create the managers");
		return false;
	}
	/* The managers free themselves when the display goes; only our
	 * listeners need removing (fw_seat_finish). */
	seat->new_virtual_pointer.notify = handle_new_virtual_pointer;
	wl_signal_add(&pointers->events.new_virtual_pointer,
		&seat->new_virtual_pointer);
	seat->new_virtual_keyboard.notify = handle_new_virtual_keyboard;
	wl_signal_add(&keyboards->events.new_virtual_keyboard,
		&seat->new_virtual_keyboard);
	wlr_log(WLR_INFO,
		"test input on: virtual pointer and keyboard "
		"globals offered to every client");
	return true;
}

static void seat_handle_request_set_cursor(struct wl_listener *listener,
	void *data) {
	struct fw_seat *seat = wl_container_of(listener, seat, request_set_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	/* Only the client under the pointer may choose its image. */
	if (event->seat_client == seat->seat->pointer_state.focused_client) {
		wlr_cursor_set_surface(seat->server->cursor->cursor, event->surface,
			event->hotspot_x, event->hotspot_y);
	}
}

static void seat_handle_request_set_selection(struct wl_listener *listener,
	void *data) {
	struct fw_seat *seat =
		wl_container_of(listener, seat, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	wlr_seat_set_selection(seat->seat, event->source, event->serial);
}

void fw_seat_end_grab(struct fw_seat *seat, struct fw_view *view) {
	if (seat->grab.view == view) {
		seat->grab = (struct fw_grab){.mode = FW_GRAB_NONE};
	}
}

bool fw_seat_ensure_keyboard(struct fw_server *server) {
	struct wlr_backend *backend = server->backend;
	if (!wl_list_empty(&server->seat->keyboards)) {
		return true;
	}
	/* Clipboard clients need a keyboard: the selection is set with the
	 * serial of a keyboard enter.  A headless session gets one from its
	 * own backend; any other (nested in a host that offers no keyboard,
	 * or a VT without one) from a headless backend of its own. */
	if (!wlr_backend_is_headless(backend)) {
		assert(wlr_backend_is_multi(backend));
		struct wlr_backend *headless =
			wlr_headless_backend_create(server->display);
		if (headless == NULL) {
			wlr_log(WLR_ERROR, "cannot create a headless keyboard backend");
			return false;
		}
		/* The multi-backend owns it from here and destroys it with
		 * itself; 0.15 does not start a backend added late. */
		wlr_multi_backend_add(backend, headless);
		if (!wlr_backend_start(headless)) {
			wlr_log(WLR_ERROR, "cannot start the headless keyboard backend");
			return false;
		}
		backend = headless;
	}
	if (wlr_headless_add_input_device(backend, WLR_INPUT_DEVICE_KEYBOARD) ==
		NULL) {
		wlr_log(WLR_ERROR, "cannot add a headless keyboard");
		return false;
	}
	wlr_log(WLR_INFO, "no keyboard from the backend: added a headless one");
	return true;
}

bool fw_seat_init(struct fw_server *server) {
	struct fw_seat *seat = calloc(1, sizeof(*seat));
	if (seat == NULL) {
		return false;
	}
	seat->server = server;
	wl_list_init(&seat->keyboards);
	wl_list_init(&seat->touch_devices);
	seat->seat = wlr_seat_create(server->display, "seat0");
	if (seat->seat == NULL) {
		free(seat);
		return false;
	}
	server->seat = seat;
	seat->new_input.notify = seat_handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &seat->new_input);
	seat->request_set_cursor.notify = seat_handle_request_set_cursor;
	wl_signal_add(&seat->seat->events.request_set_cursor,
		&seat->request_set_cursor);
	seat->request_set_selection.notify = seat_handle_request_set_selection;
	wl_signal_add(&seat->seat->events.request_set_selection,
		&seat->request_set_selection);
	seat_update_capabilities(seat);
	/* Listeners stay unlinked (but removable) when test input is off. */
	wl_list_init(&seat->new_virtual_pointer.link);
	wl_list_init(&seat->new_virtual_keyboard.link);
	/* On failure fw_server_finish() calls fw_seat_finish(). */
	return !server->config.test_input || seat_init_test_input(seat);
}

void fw_seat_finish(struct fw_server *server) {
	struct fw_seat *seat = server->seat;
	if (seat == NULL) {
		return;
	}
	/* The wlr_seat goes with the display, the keyboards' devices with the
	 * backend; our listeners on them go now. */
	struct fw_keyboard *kb, *tmp;
	wl_list_for_each_safe(kb, tmp, &seat->keyboards, link) {
		keyboard_free(kb);
	}
	struct fw_touch_device *touch, *touch_tmp;
	wl_list_for_each_safe(touch, touch_tmp, &seat->touch_devices, link) {
		touch_device_free(touch);
	}
	wl_list_remove(&seat->new_input.link);
	wl_list_remove(&seat->request_set_cursor.link);
	wl_list_remove(&seat->request_set_selection.link);
	wl_list_remove(&seat->new_virtual_pointer.link);
	wl_list_remove(&seat->new_virtual_keyboard.link);
	free(seat);
	server->seat = NULL;
}
