/*
 * Clients: one struct fw_client per connected wl_client, owned by client.c.
 *
 * It holds what every part of the compositor wants to know about a client
 * without each keeping its own copy: who it is (pid and command, read once
 * at connect, for logs, traces and status) and the one rate limiter for the
 * log lines a client can cause.  A misbehaving client may make the
 * compositor want to log without end (held commits, fence errors, protocol
 * errors); each kind of event gets at most one line per client per
 * interval, and what was held back is counted and said with the next line,
 * or when the client leaves.
 *
 * The record hangs off the wl_client's destroy signal: finding it is one
 * wl_client_get_destroy_listener() lookup, and it is freed with the client.
 */
#ifndef FENCEWAY_CLIENT_H
#define FENCEWAY_CLIENT_H

#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>

/* The kinds of client-caused log lines, each limited on its own. */
enum fw_client_event {
	FW_CLIENT_EVENT_STALL,          /* a commit held past the threshold */
	FW_CLIENT_EVENT_FENCE_ERROR,    /* an acquire fence failed */
	FW_CLIENT_EVENT_PROTOCOL_ERROR, /* an error posted to the client */
	FW_CLIENT_EVENT_LIMIT,          /* a cap or budget reached */
	FW_CLIENT_EVENT_COUNT,
};

/* Shared by every client record of one server; owned by the server. */
struct fw_clients {
	int64_t log_interval_ns; /* one line per kind per interval */
	struct wl_list clients;  /* struct fw_client.link */
};

struct fw_client {
	struct fw_clients *clients;
	struct wl_client *wl_client; /* not owned; outlives the record */
	struct wl_list link;         /* fw_clients.clients */
	pid_t pid;                   /* 0 when the peer is unknown */
	char command[32];            /* /proc/PID/comm, or "?" */

	struct {
		int64_t last_ns;     /* when the last line went out */
		uint64_t suppressed; /* held back since then */
	} log[FW_CLIENT_EVENT_COUNT];

	struct wl_listener destroy;
};

/*
 * Start keeping client records.  @log_interval_ns > 0.  @clients is the
 * caller's; fw_clients_finish() must run after every client is gone.
 */
void fw_clients_init(struct fw_clients *clients, int64_t log_interval_ns);
void fw_clients_finish(struct fw_clients *clients);

/*
 * The record of @wl_client, made on first use; NULL only when out of
 * memory (the client was then sent wl_display.no_memory).  The pointer is
 * borrowed and valid until the client's destroy signal.
 */
struct fw_client *fw_client_get(struct fw_clients *clients,
	struct wl_client *wl_client);

/*
 * Log one line about @client at @importance, prefixed with its pid and
 * command, unless a line of the same @kind went out for this client less
 * than the interval ago: then it is only counted, and the count is said at
 * the end of the next line of that kind or when the client leaves.
 * Returns true when the line was written.
 */
bool fw_client_log(struct fw_client *client, enum fw_client_event kind,
	enum wlr_log_importance importance, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
