/*
 * One protocol logger for the whole compositor: libwayland calls every
 * logger for every message of every client, so each extra logger is an
 * indirect call per message; here a message costs one call and a scan of
 * the few pointers registered for its direction.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "protocol_watch.h"

struct observer {
	const struct wl_message *message;
	fw_protocol_observer_fn fn;
	void *data;
};

struct observers {
	struct observer list[FW_PROTOCOL_WATCH_MAX];
	int n;
};

struct fw_protocol_watch {
	struct wl_protocol_logger *logger;
	/* Indexed by enum wl_protocol_logger_type. */
	struct observers by_type[2];
	/* Observers running (an event sent from one nests another). */
	int depth;
};

/* Kept out of handle_message(), so that the scan of a message nobody
 * observes (nearly every one) saves no registers for calls it never makes.
 * Observers neither add nor remove (asserted): n stays put across calls. */
__attribute__((noinline)) static void notify(struct fw_protocol_watch *watch,
	const struct observers *o, int first,
	const struct wl_protocol_logger_message *message) {
	watch->depth++;
	for (int i = first; i < o->n; i++) {
		if (o->list[i].message == message->message) {
			o->list[i].fn(message, o->list[i].data);
		}
	}
	watch->depth--;
}

static void handle_message(void *user_data, enum wl_protocol_logger_type type,
	const struct wl_protocol_logger_message *message) {
	struct fw_protocol_watch *watch = user_data;
	const struct observers *o = &watch->by_type[type];
	for (int i = 0; i < o->n; i++) {
		if (o->list[i].message == message->message) {
			notify(watch, o, i, message);
			return;
		}
	}
}

struct fw_protocol_watch *fw_protocol_watch_create(struct wl_display *display) {
	struct fw_protocol_watch *watch = calloc(1, sizeof(*watch));
	if (watch == NULL) {
		return NULL;
	}
	watch->logger =
		wl_display_add_protocol_logger(display, handle_message, watch);
	if (watch->logger == NULL) {
		free(watch);
		return NULL;
	}
	return watch;
}

void fw_protocol_watch_destroy(struct fw_protocol_watch *watch) {
	if (watch == NULL) {
		return;
	}
	assert(watch->by_type[WL_PROTOCOL_LOGGER_REQUEST].n == 0 &&
		watch->by_type[WL_PROTOCOL_LOGGER_EVENT].n == 0);
	wl_protocol_logger_destroy(watch->logger);
	free(watch);
}

bool fw_protocol_watch_add(struct fw_protocol_watch *watch,
	const struct wl_interface *interface, enum wl_protocol_logger_type type,
	const char *name, fw_protocol_observer_fn fn, void *data) {
	assert(watch->depth == 0);
	assert(
		type == WL_PROTOCOL_LOGGER_REQUEST || type == WL_PROTOCOL_LOGGER_EVENT);
	bool request = type == WL_PROTOCOL_LOGGER_REQUEST;
	const struct wl_message *table =
		request ? interface->methods : interface->events;
	int count = request ? interface->method_count : interface->event_count;
	struct observers *o = &watch->by_type[type];
	if (o->n == FW_PROTOCOL_WATCH_MAX) {
		return false;
	}
	/* The server headers have no opcode macros: the name it is. */
	for (int i = 0; i < count; i++) {
		if (strcmp(table[i].name, name) == 0) {
			o->list[o->n++] = (struct observer){
				.message = &table[i],
				.fn = fn,
				.data = data,
			};
			return true;
		}
	}
	return false;
}

void fw_protocol_watch_remove(struct fw_protocol_watch *watch, void *data) {
	if (watch == NULL) {
		return;
	}
	assert(watch->depth == 0);
	for (size_t t = 0; t < 2; t++) {
		struct observers *o = &watch->by_type[t];
		int kept = 0;
		for (int i = 0; i < o->n; i++) {
			if (o->list[i].data != data) {
				o->list[kept++] = o->list[i];
			}
		}
		o->n = kept;
	}
}
