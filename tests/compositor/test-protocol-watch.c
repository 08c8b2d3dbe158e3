/*
 * The protocol watch's table (compositor/protocol_watch.c), in process: a
 * real wl_display and a real client on a socketpair whose requests are
 * written as raw wire messages.  Checked: a request is observed before its
 * handler runs, events are observed (also one sent from inside an
 * observer), observers of one message run in the order they were added,
 * removal takes exactly the observers of one data and keeps that order,
 * and adding fails for an unknown message or a full table.
 */
#include "protocol_watch.h"
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

/* What the observers saw, in order, e.g. "a:sync b:sync a:done ". */
static char seen[512];

struct observer {
	const char *name;
	struct wl_resource *send_done; /* sends wl_callback.done on it */
};

static void record(const struct wl_protocol_logger_message *message,
	void *data) {
	struct observer *o = data;
	size_t len = strlen(seen);
	snprintf(seen + len, sizeof(seen) - len, "%s:%s ", o->name,
		message->message->name);
	if (o->send_done != NULL) {
		struct wl_resource *r = o->send_done;
		o->send_done = NULL;
		wl_callback_send_done(r, 7);
	}
}

/* wl_display.sync(new id) from the client: libwayland's handler creates
 * the callback, sends done and destroys it. */
static void client_sync(int peer, struct wl_event_loop *loop, uint32_t new_id) {
	uint32_t msg[3] = {1, 12 << 16 | 0, new_id};
	assert(write(peer, msg, sizeof(msg)) == sizeof(msg));
	seen[0] = '\0';
	assert(wl_event_loop_dispatch(loop, 1000) == 0);
}

int main(void) {
	struct wl_display *display = wl_display_create();
	assert(display != NULL);
	struct wl_event_loop *loop = wl_display_get_event_loop(display);
	int fds[2];
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
	struct wl_client *client = wl_client_create(display, fds[0]);
	assert(client != NULL);

	struct fw_protocol_watch *watch = fw_protocol_watch_create(display);
	assert(watch != NULL);
	struct observer a = {"a", NULL}, b = {"b", NULL}, c = {"c", NULL};

	/* No such message; nothing added. */
	assert(!fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "no_such_request", record, &a));
	assert(!fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_EVENT, "sync", record, &a));

	assert(fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "sync", record, &a));
	assert(fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "sync", record, &b));
	assert(fw_protocol_watch_add(watch, &wl_callback_interface,
		WL_PROTOCOL_LOGGER_EVENT, "done", record, &a));
	assert(fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "sync", record, &c));

	/* The request before its handler (which sends done); observers of
	 * one message in the order added; wl_display.delete_id unobserved. */
	client_sync(fds[1], loop, 2);
	assert(strcmp(seen, "a:sync b:sync c:sync a:done ") == 0);

	/* An event sent from inside an observer is observed inside it. */
	struct wl_resource *callback =
		wl_resource_create(client, &wl_callback_interface, 1, 0);
	assert(callback != NULL);
	b.send_done = callback;
	client_sync(fds[1], loop, 3);
	assert(strcmp(seen, "a:sync b:sync a:done c:sync a:done ") == 0);
	wl_resource_destroy(callback);

	/* Removal takes every observer of one data, the rest keep order. */
	fw_protocol_watch_remove(watch, &a);
	client_sync(fds[1], loop, 4);
	assert(strcmp(seen, "b:sync c:sync ") == 0);
	fw_protocol_watch_remove(watch, &a);
	fw_protocol_watch_remove(watch, &b);
	client_sync(fds[1], loop, 5);
	assert(strcmp(seen, "c:sync ") == 0);
	fw_protocol_watch_remove(watch, &c);
	client_sync(fds[1], loop, 6);
	assert(strcmp(seen, "") == 0);

	/* A full table refuses, per direction. */
	for (int i = 0; i < FW_PROTOCOL_WATCH_MAX; i++) {
		assert(fw_protocol_watch_add(watch, &wl_display_interface,
			WL_PROTOCOL_LOGGER_REQUEST, "sync", record, &a));
	}
	assert(!fw_protocol_watch_add(watch, &wl_display_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "get_registry", record, &b));
	assert(fw_protocol_watch_add(watch, &wl_callback_interface,
		WL_PROTOCOL_LOGGER_EVENT, "done", record, &b));
	fw_protocol_watch_remove(watch, &a);
	fw_protocol_watch_remove(watch, &b);
	fw_protocol_watch_remove(NULL, &a);

	fw_protocol_watch_destroy(watch);
	fw_protocol_watch_destroy(NULL);
	wl_client_destroy(client);
	close(fds[1]);
	wl_display_destroy(display);
	return 0;
}
