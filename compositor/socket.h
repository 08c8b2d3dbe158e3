/*
 * The listening Wayland socket, fenceway's own (never
 * wl_display_add_socket*): it binds and locks DIR/NAME the way libwayland
 * does, so other compositors and clients see the usual files, and watches
 * the socket with its own event source so that its failures are handled:
 * out of fds it refuses connections through a spare fd instead of spinning
 * (docs/compositor.md, "The listening socket").
 */
#ifndef FENCEWAY_SOCKET_H
#define FENCEWAY_SOCKET_H

#include <stdbool.h>

struct wl_display;
struct fw_socket;

/*
 * Bind, lock and listen on dir/name, or on the first free wayland-N in dir
 * when name is NULL, and accept clients into display from its event loop.
 * dir and name are copied.  On failure one ERROR line names the cause
 * ("socket NAME is in use (another compositor?)" when another process holds
 * the lock) and NULL is returned with nothing left behind.
 * The socket belongs to the caller until fw_socket_destroy().
 */
struct fw_socket *fw_socket_create(struct wl_display *display, const char *dir,
	const char *name);

/* The name clients put in WAYLAND_DISPLAY; owned by the socket. */
const char *fw_socket_name(const struct fw_socket *socket);

/*
 * Stop listening, remove the socket and its lock file and free everything.
 * Clients already connected are not touched.  NULL is a no-op.
 */
void fw_socket_destroy(struct fw_socket *socket);

#endif
