/*
 * Test client: real input for a compositor without input devices.  Makes
 * one virtual pointer (zwlr_virtual_pointer_manager_v1) and one virtual
 * keyboard (zwp_virtual_keyboard_manager_v1, fenceway --test-input) and
 * plays the commands it reads from stdin, one or more per line, until end
 * of input.  The devices stay plugged in all that time, as real ones
 * would: a keyboard that came and went between two steps would leave the
 * seat without a keyboard while clients ask for theirs.
 *
 *   fw-test-input-client WIDTHxHEIGHT [pointer] < COMMANDS
 *
 * With "pointer" only the pointer is made (key commands then fail).
 *
 *     move X Y      pointer to layout pixel X,Y (absolute, of WIDTHxHEIGHT)
 *     press         left button down
 *     release       left button up
 *     keydown KEY   KEY down: alt, esc or an evdev key code
 *     keyup KEY     KEY up
 *
 * "ready" is printed once the devices exist.  After each command a
 * roundtrip: once "done COMMAND" is printed the compositor has handled
 * it (it reads requests in order), so a test can look at the result
 * without sleeping.  Exit status 0 at end of input, 3 when the compositor
 * hung up on the way (Alt+Escape), 2 on a broken setup (no such globals:
 * fenceway without --test-input).
 */
#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon.h>
#include "virtual-keyboard-unstable-v1-client-protocol.h"
#include "wl-test-client.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

struct client {
	struct wtc_conn conn;
	struct wl_seat *seat;
	struct zwlr_virtual_pointer_manager_v1 *pointer_manager;
	struct zwp_virtual_keyboard_manager_v1 *keyboard_manager;
	struct zwlr_virtual_pointer_v1 *pointer;
	struct zwp_virtual_keyboard_v1 *keyboard;
	/* Our own copy of the keyboard's state: the virtual keyboard does not
	 * derive modifiers from keys (wlroots leaves that to the client, as an
	 * input method would), so we send them after each key. */
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	uint32_t width, height;
};

static void other_global(struct wtc_conn *conn, uint32_t name,
		const char *interface, uint32_t version) {
	struct client *c = conn->data;
	if (strcmp(interface, wl_seat_interface.name) == 0 && c->seat == NULL) {
		c->seat = wl_registry_bind(conn->registry, name,
			&wl_seat_interface, 1);
	} else if (strcmp(interface,
			zwlr_virtual_pointer_manager_v1_interface.name) == 0) {
		c->pointer_manager = wl_registry_bind(conn->registry, name,
			&zwlr_virtual_pointer_manager_v1_interface, 1);
	} else if (strcmp(interface,
			zwp_virtual_keyboard_manager_v1_interface.name) == 0) {
		c->keyboard_manager = wl_registry_bind(conn->registry, name,
			&zwp_virtual_keyboard_manager_v1_interface, 1);
	}
}

/* Milliseconds of CLOCK_MONOTONIC, as input devices stamp their events. */
static uint32_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The compositor reads the keymap from a file it can mmap, NUL included
 * (it is parsed as a C string). */
static void send_keymap(struct client *c) {
	c->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (c->xkb == NULL) {
		wtc_die("xkb_context_new failed");
	}
	/* The default rules/model/layout, as fenceway's own keyboards use. */
	c->keymap = xkb_keymap_new_from_names(c->xkb, NULL,
		XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (c->keymap == NULL) {
		wtc_die("cannot compile the default xkb keymap");
	}
	c->state = xkb_state_new(c->keymap);
	if (c->state == NULL) {
		wtc_die("xkb_state_new failed");
	}
	char *text = xkb_keymap_get_as_string(c->keymap,
		XKB_KEYMAP_FORMAT_TEXT_V1);
	if (text == NULL) {
		wtc_die("xkb_keymap_get_as_string failed");
	}
	size_t size = strlen(text) + 1;
	int fd = memfd_create("fw-test-keymap", MFD_CLOEXEC);
	if (fd < 0) {
		wtc_die("memfd_create failed");
	}
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, text + off, size - off);
		if (n <= 0) {
			wtc_die("cannot write the keymap");
		}
		off += (size_t)n;
	}
	free(text);
	zwp_virtual_keyboard_v1_keymap(c->keyboard,
		WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd, (uint32_t)size);
	/* libwayland sends a duplicate of the fd; ours can go now. */
	close(fd);
}

static uint32_t parse_key(const char *name) {
	if (strcmp(name, "alt") == 0) {
		return KEY_LEFTALT;
	}
	if (strcmp(name, "esc") == 0) {
		return KEY_ESC;
	}
	char *end;
	unsigned long code = strtoul(name, &end, 10);
	if (end == name || *end != '\0' || code > KEY_MAX) {
		wtc_die("unknown key '%s'", name);
	}
	return (uint32_t)code;
}

static void key(struct client *c, uint32_t code, bool down) {
	zwp_virtual_keyboard_v1_key(c->keyboard, now_ms(), code,
		down ? WL_KEYBOARD_KEY_STATE_PRESSED :
		WL_KEYBOARD_KEY_STATE_RELEASED);
	/* xkb codes are evdev codes + 8.  Send the modifiers that follow from
	 * the key, so that e.g. Alt counts as held for the compositor. */
	xkb_state_update_key(c->state, code + 8, down ? XKB_KEY_DOWN : XKB_KEY_UP);
	zwp_virtual_keyboard_v1_modifiers(c->keyboard,
		xkb_state_serialize_mods(c->state, XKB_STATE_MODS_DEPRESSED),
		xkb_state_serialize_mods(c->state, XKB_STATE_MODS_LATCHED),
		xkb_state_serialize_mods(c->state, XKB_STATE_MODS_LOCKED),
		xkb_state_serialize_layout(c->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

static uint32_t parse_coord(const char *text) {
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (end == text || *end != '\0' || v > UINT32_MAX) {
		wtc_die("bad coordinate '%s'", text);
	}
	return (uint32_t)v;
}

/* Play argv[i...]; returns how many words the command used, or 0 when
 * the compositor hung up. */
static int play(struct client *c, int argc, char **argv, int i) {
	const char *cmd = argv[i];
	int used = 1;
	if (strcmp(cmd, "move") == 0 && i + 2 < argc) {
		zwlr_virtual_pointer_v1_motion_absolute(c->pointer, now_ms(),
			parse_coord(argv[i + 1]), parse_coord(argv[i + 2]),
			c->width, c->height);
		zwlr_virtual_pointer_v1_frame(c->pointer);
		used = 3;
	} else if (strcmp(cmd, "press") == 0 || strcmp(cmd, "release") == 0) {
		zwlr_virtual_pointer_v1_button(c->pointer, now_ms(), BTN_LEFT,
			strcmp(cmd, "press") == 0 ? WL_POINTER_BUTTON_STATE_PRESSED :
			WL_POINTER_BUTTON_STATE_RELEASED);
		zwlr_virtual_pointer_v1_frame(c->pointer);
	} else if ((strcmp(cmd, "keydown") == 0 || strcmp(cmd, "keyup") == 0) &&
			i + 1 < argc && c->keyboard != NULL) {
		key(c, parse_key(argv[i + 1]), strcmp(cmd, "keydown") == 0);
		used = 2;
	} else {
		wtc_die("bad command '%s'", cmd);
	}
	if (wl_display_roundtrip(c->conn.display) < 0) {
		printf("connection closed after %s\n", cmd);
		fflush(stdout);
		return 0;
	}
	printf("done %s\n", cmd);
	fflush(stdout);
	return used;
}

int main(int argc, char *argv[]) {
	struct client c = {0};
	if (argc < 2 || argc > 3 ||
			sscanf(argv[1], "%ux%u", &c.width, &c.height) != 2 ||
			c.width == 0 || c.height == 0 ||
			(argc == 3 && strcmp(argv[2], "pointer") != 0)) {
		fprintf(stderr, "usage: %s WIDTHxHEIGHT [pointer] < COMMANDS\n",
			argv[0]);
		return 2;
	}
	bool want_keyboard = argc == 2;
	c.conn.other_global = other_global;
	c.conn.data = &c;
	wtc_connect(&c.conn);
	if (c.seat == NULL || c.pointer_manager == NULL ||
			c.keyboard_manager == NULL) {
		wtc_die("no seat or no virtual input globals (--test-input?)");
	}
	c.pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(
		c.pointer_manager, c.seat);
	if (want_keyboard) {
		c.keyboard = zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(
			c.keyboard_manager, c.seat);
		send_keymap(&c);
	}
	if (wl_display_roundtrip(c.conn.display) < 0) {
		wtc_die("the compositor refused the virtual devices");
	}

	printf("ready\n");
	fflush(stdout);

	int status = 0;
	char line[256];
	while (status == 0 && fgets(line, sizeof(line), stdin) != NULL) {
		char *words[16];
		int nwords = 0;
		for (char *w = strtok(line, " \t\n"); w != NULL && nwords < 16;
				w = strtok(NULL, " \t\n")) {
			words[nwords++] = w;
		}
		for (int i = 0; i < nwords;) {
			int used = play(&c, nwords, words, i);
			if (used == 0) {
				status = 3;
				break;
			}
			i += used;
		}
	}

	/* Free everything (LeakSanitizer), also after a hang-up: the proxies
	 * are ours either way.  The devices go with their objects. */
	zwlr_virtual_pointer_v1_destroy(c.pointer);
	if (c.keyboard != NULL) {
		zwp_virtual_keyboard_v1_destroy(c.keyboard);
	}
	zwlr_virtual_pointer_manager_v1_destroy(c.pointer_manager);
	/* The keyboard manager has no destructor request: only the proxy. */
	zwp_virtual_keyboard_manager_v1_destroy(c.keyboard_manager);
	wl_seat_destroy(c.seat);
	xkb_state_unref(c.state);   /* all three accept NULL */
	xkb_keymap_unref(c.keymap);
	xkb_context_unref(c.xkb);
	wtc_disconnect(&c.conn);
	return status;
}
