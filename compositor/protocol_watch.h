/*
 * The protocol watch: the one protocol logger on the display, and the
 * table of who observes which message.
 *
 * libwayland-server calls a protocol logger for every request of every
 * client and every event sent to every client.  fenceway installs exactly
 * one, here, and hands a message only to the observers registered for it.
 * A message is its struct wl_message: every resource of an interface
 * shares the interface's table, so a pointer comparison identifies it and
 * a message nobody observes costs a scan of a few pointers.
 *
 * When an observer runs (libwayland-server 1.21, docs/platform.md):
 *   - a request: once libwayland has demarshalled it and looked up its
 *     objects, before its handler (wlroots' or ours) runs; the resource is
 *     as the requests before it left it (for wl_surface.commit,
 *     surface->pending is the state being committed);
 *   - an event: when the compositor sends it, once marshalled and before
 *     it is written to the client's buffer; never for an event libwayland
 *     drops (the client has an error posted, or an argument is another
 *     client's object);
 *   - observers of one message run in the order they were added.
 *
 * An observer (the hook table of this file: one function per message):
 *   - runs on the main thread; message (libwayland's, borrowed for the
 *     call) has the resource, the wl_message and the arguments;
 *   - may read anything, post a protocol error (on a request the handler
 *     still runs; libwayland disconnects the client after it), send events
 *     (their observers run inside this one), create resources, and destroy
 *     resources other than the message's resource and its arguments;
 *   - must not destroy the message's resource or an object among its
 *     arguments (libwayland dispatches to them next, or the sender of the
 *     event goes on using them), destroy a wl_client, dispatch the event
 *     loop, or add or remove observers (asserted).
 */
#ifndef FENCEWAY_PROTOCOL_WATCH_H
#define FENCEWAY_PROTOCOL_WATCH_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct fw_protocol_watch;

/* Observers per direction at most (requests, events). */
#define FW_PROTOCOL_WATCH_MAX 16

/* data is what was passed to fw_protocol_watch_add(). */
typedef void (*fw_protocol_observer_fn)(
	const struct wl_protocol_logger_message *message, void *data);

/*
 * The watch of display (borrowed; it must outlive the watch).  Owned by
 * the server, destroyed before the display once every observer is gone
 * (asserted).  NULL on allocation failure.
 */
struct fw_protocol_watch *fw_protocol_watch_create(struct wl_display *display);
void fw_protocol_watch_destroy(struct fw_protocol_watch *watch);

/*
 * Observe the request (type WL_PROTOCOL_LOGGER_REQUEST) or event
 * (WL_PROTOCOL_LOGGER_EVENT) called name of interface (static, as
 * generated): fn(message, data) runs for each one, of every client.  data
 * is the observer's own and names it for fw_protocol_watch_remove(); it
 * must stay valid until then.  false, with nothing added, when interface
 * has no such message or FW_PROTOCOL_WATCH_MAX observers of that
 * direction exist.  Not from inside an observer.
 */
bool fw_protocol_watch_add(struct fw_protocol_watch *watch,
	const struct wl_interface *interface, enum wl_protocol_logger_type type,
	const char *name, fw_protocol_observer_fn fn, void *data);
/*
 * Remove every observer added with data (none is a no-op; so is a NULL
 * watch).  Not from inside an observer.
 */
void fw_protocol_watch_remove(struct fw_protocol_watch *watch, void *data);

#endif
