/*
 * The control socket fenceway-ctl talks to (ctl_protocol.h has the wire
 * format, docs/telemetry.md the commands): status, stalls, trace start and
 * stop.
 *
 * Only the compositor's own user gets in: the socket file is mode 0600 in
 * the runtime directory, and each peer's uid is checked with SO_PEERCRED.
 * Served from the main event loop without ever blocking it: sockets are
 * non-blocking, a request is one short line, a reply is written as the
 * peer reads it, and a connection that takes longer than a few seconds,
 * or one past the few allowed at once, is closed.
 */
#ifndef FENCEWAY_CTL_H
#define FENCEWAY_CTL_H

struct fw_server;
struct fw_ctl;

/*
 * Listen on DIR/NAME.ctl (dir and socket_name copied; NAME is the Wayland
 * socket's, whose lock makes NAME.ctl ours: a stale one is replaced).
 * server is borrowed: its stalls, commit tracker and telemetry are what
 * the commands read and start.  NULL on failure (logged).  The caller owns
 * the result until fw_ctl_destroy().
 */
struct fw_ctl *fw_ctl_create(struct fw_server *server, const char *dir,
	const char *socket_name);
/* Close every connection (and any fd received on it), remove the socket.
 * NULL is a no-op. */
void fw_ctl_destroy(struct fw_ctl *ctl);

#endif
