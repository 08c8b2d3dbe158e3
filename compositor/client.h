/*
 * Clients: one struct fw_client per connected wl_client, owned by client.c.
 *
 * It holds what every part of the compositor wants to know about a client
 * without each keeping its own copy: who it is (pid and command, read once
 * at connect, for logs, traces and status) and the one rate limiter for the
 * log lines a client can cause, and its budgets: how many of the
 * compositor's fds and fence waits it may pin at once.  A misbehaving
 * client may make the
 * compositor want to log without end (held commits, fence errors, protocol
 * errors); each kind of event gets at most one line per client per
 * interval, and what was held back is counted and said with the next line,
 * or when the client leaves.
 *
 * Budgets: whatever object holds an fd or a wait for a client charges the
 * client's record while it holds it (fw_client_charge) and uncharges it when
 * it lets go -- which may be after the client left (a commit retired late,
 * a fence dropped by the library), so such an object takes a reference on
 * the record (fw_client_ref).  Charging past a budget fails and changes
 * nothing; the caller then disconnects that client with an error naming
 * the budget first (fw_client_budget_text).  docs/explicit-sync.md,
 * "Budgets and caps", lists what counts against which budget.
 *
 * The record hangs off the wl_client's destroy signal: finding it is one
 * wl_client_get_destroy_listener() lookup.  The client's own reference goes
 * at that signal; the record is freed when the last reference goes.
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

/* What a client may pin in the compositor, each counted on its own. */
enum fw_budget {
	FW_BUDGET_FDS,   /* fds held for it: timelines, sync files */
	FW_BUDGET_WAITS, /* timelines and sync files with a pending wait */
	FW_BUDGET_COUNT,
};

/*
 * The defaults, sized from the fd limit the compositor runs with: a
 * reserve of max(256, limit / 8) fds for accepting, logging and everything
 * not charged to a client, and a third of the rest for any one client, so
 * that one client -- or two -- can never take the fds another needs.
 */
#define FW_BUDGET_FDS_MIN 16
#define FW_BUDGET_FDS_MAX 4096
#define FW_BUDGET_RESERVE_MIN 256
#define FW_BUDGET_WAITS_DEFAULT 256

/* Shared by every client record of one server; owned by the server. */
struct fw_clients {
	int64_t log_interval_ns;          /* one line per kind per interval */
	uint32_t budget[FW_BUDGET_COUNT]; /* per client, each > 0 */
	struct wl_list clients;           /* struct fw_client.link */
};

struct fw_client {
	struct fw_clients *clients;
	/* Not owned; NULL once the client is gone (the record may live on
	 * while objects still charged to it let go). */
	struct wl_client *wl_client;
	struct wl_list link; /* fw_clients.clients, until freed */
	int refs;            /* the client's own, and fw_client_ref()'s */
	uint32_t charged[FW_BUDGET_COUNT];
	pid_t pid;        /* 0 when the peer is unknown */
	char command[32]; /* /proc/PID/comm, or "?" */

	struct {
		int64_t last_ns;     /* when the last line went out */
		uint64_t suppressed; /* held back since then */
	} log[FW_CLIENT_EVENT_COUNT];

	struct wl_listener destroy;
};

/*
 * The default budgets for a process whose fd limit is @nofile (see above).
 */
void fw_budget_defaults(uint64_t nofile, uint32_t budget[FW_BUDGET_COUNT]);

/*
 * Start keeping client records.  @log_interval_ns > 0.  @budget gives each
 * budget; 0 takes the default for the soft RLIMIT_NOFILE the process has
 * now (fw_budget_defaults), so call this after raising it.  The budgets
 * are logged once.  @clients is the caller's; fw_clients_finish() must run
 * after every client is gone and every object charged to one let go.
 */
void fw_clients_init(struct fw_clients *clients, int64_t log_interval_ns,
	const uint32_t budget[FW_BUDGET_COUNT]);
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

/*
 * A reference that keeps @client's record (not the wl_client) alive, for
 * an object that stays charged to it; returns @client.  Every reference is
 * given back with fw_client_unref().
 */
struct fw_client *fw_client_ref(struct fw_client *client);
void fw_client_unref(struct fw_client *client);

/*
 * Count @n more of @budget against @client.  false, and nothing counted,
 * when that would take it past the budget: the caller then disconnects
 * the client with an error that starts with fw_client_budget_text().
 * Works after the client left too (its objects are being let go).
 */
bool fw_client_charge(struct fw_client *client, enum fw_budget budget,
	uint32_t n);
/* Give back @n of @budget (at most what is charged). */
void fw_client_uncharge(struct fw_client *client, enum fw_budget budget,
	uint32_t n);

/*
 * "fd budget (256) exceeded" for @budget as @client's server has it,
 * into @buf (at most @size bytes, NUL-terminated): how an error about a
 * budget starts.
 */
void fw_client_budget_text(const struct fw_client *client,
	enum fw_budget budget, char *buf, size_t size);

#endif
