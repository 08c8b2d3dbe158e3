/*
 * Stall reports and per-client summaries (stalls.h).
 *
 * Cheap on the way of every commit: a slot per commit, list links, one
 * histogram increment per hold.  The per-client timer is armed when the
 * client's first commit is held and not touched again until it fires; it
 * then looks at the oldest held commit and re-arms for it, so a client
 * whose holds are short costs one wake-up per threshold, not one per frame.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "client.h"
#include "commit.h"
#include "stalls.h"
#include "telemetry.h"

/* Held time histogram: 4 buckets per power of two of microseconds (each
 * within 25 %), up to 2^41 us; the last bucket takes the rest. */
#define HIST_SUB 4
#define HIST_BUCKETS (HIST_SUB * 40)

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

struct fw_stalls {
	struct fw_commit_tracker *tracker;
	struct fw_clients *clients;
	struct wl_event_loop *loop;
	/* The server's slot, read at each report: tracing starts and stops
	 * at runtime (fenceway-ctl). */
	struct fw_telemetry *const *telemetry;
	int64_t threshold_ns;
	int sub;
	struct wl_list clients_list; /* stall_client.link, in arrival order */
};

struct stall_client {
	struct fw_stalls *stalls;
	struct wl_client *wl_client;
	pid_t pid;
	char command[32];
	struct wl_list commits; /* stall_commit.link: live ones, in order */
	struct wl_list held;    /* stall_commit.held_link: in hold order */
	size_t n_held;
	struct wl_event_source *timer;
	bool armed;
	/* The stall going on: since when (its first commit's hold), whether
	 * its first line went out, the next back-off. */
	bool stalled, reported;
	int64_t stall_since_ns;
	int backoff_s;
	uint64_t n_commits, n_holds, n_stalls, n_fence_errors;
	uint32_t hist[HIST_BUCKETS];
	struct wl_listener destroy;
	struct wl_list link; /* fw_stalls.clients_list */
};

/* The subscriber's slot on a commit. */
struct stall_commit {
	struct fw_commit *commit;
	struct stall_client *client; /* NULL once the client left */
	struct wl_list link;         /* client->commits */
	struct wl_list held_link;    /* client->held while held */
	bool held, buffer, applied;
	int64_t held_since_ns;
};

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int hist_index(uint64_t us) {
	if (us < HIST_SUB) {
		return (int)us;
	}
	int e = 63 - __builtin_clzll(us);
	int idx = HIST_SUB + (e - 2) * HIST_SUB + (int)((us >> (e - 2)) & 3);
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The bucket's upper bound in microseconds (exclusive). */
static uint64_t hist_upper_us(int idx) {
	if (idx < HIST_SUB) {
		return (uint64_t)idx + 1;
	}
	int e = (idx - HIST_SUB) / HIST_SUB + 2;
	int sub = (idx - HIST_SUB) % HIST_SUB;
	return (uint64_t)(HIST_SUB + sub + 1) << (e - 2);
}

/* The upper bound of the bucket holding the p-th percentile, in us. */
static uint64_t hist_percentile_us(const struct stall_client *sc, int p) {
	uint64_t rank = (sc->n_holds * (uint64_t)p + 99) / 100, seen = 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += sc->hist[i];
		if (seen >= rank && seen > 0) {
			return hist_upper_us(i);
		}
	}
	return 0;
}

static void write_summary(const struct stall_client *sc, FILE *out) {
	fprintf(out, "%" PRIu64 " commits, %" PRIu64 " let go after a hold",
		sc->n_commits, sc->n_holds);
	if (sc->n_holds > 0) {
		fprintf(out, " (held p50 <= %.3f ms, p99 <= %.3f ms)",
			(double)hist_percentile_us(sc, 50) / 1000.0,
			(double)hist_percentile_us(sc, 99) / 1000.0);
	}
	fprintf(out, ", %" PRIu64 " stall%s, %" PRIu64 " fence error%s",
		sc->n_stalls, sc->n_stalls == 1 ? "" : "s", sc->n_fence_errors,
		sc->n_fence_errors == 1 ? "" : "s");
}

/* "wl_surface@N (app_id 'A', title 'T')"; the toplevel's names for a
 * subsurface or popup of it. */
static void write_surface(struct wlr_surface *surface, FILE *out) {
	if (surface == NULL) {
		fputs("a destroyed wl_surface", out);
		return;
	}
	fprintf(out, "wl_surface@%" PRIu32, wl_resource_get_id(surface->resource));
	struct wlr_surface *root = wlr_surface_get_root_surface(surface);
	if (!wlr_surface_is_xdg_surface(root)) {
		return;
	}
	struct wlr_xdg_surface *xdg = wlr_xdg_surface_from_wlr_surface(root);
	while (xdg != NULL && xdg->role == WLR_XDG_SURFACE_ROLE_POPUP &&
		xdg->popup->parent != NULL &&
		wlr_surface_is_xdg_surface(xdg->popup->parent)) {
		xdg = wlr_xdg_surface_from_wlr_surface(xdg->popup->parent);
	}
	if (xdg == NULL || xdg->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}
	const char *app_id = xdg->toplevel->app_id;
	const char *title = xdg->toplevel->title;
	fprintf(out, " (app_id '%s', title '%s')", app_id != NULL ? app_id : "",
		title != NULL ? title : "");
}

/* A stream writing into buf (len > 1), which stays NUL terminated when
 * what is written does not fit (fmemopen leaves a full buffer without). */
static FILE *open_line(char *buf, size_t len) {
	memset(buf, 0, len);
	FILE *out = fmemopen(buf, len - 1, "w");
	if (out == NULL) {
		snprintf(buf, len, "(out of memory)");
	}
	return out;
}

static struct stall_commit *oldest_held(struct stall_client *sc) {
	if (wl_list_empty(&sc->held)) {
		return NULL;
	}
	struct stall_commit *s;
	return wl_container_of(sc->held.next, s, held_link);
}

/* What the stall is about: the oldest held commit, what it waits for, its
 * age, the others.  Into buf (a log line). */
static void describe_stall(struct stall_client *sc, int64_t now, char *buf,
	size_t len) {
	struct stall_commit *s = oldest_held(sc);
	assert(s != NULL);
	char wait[256];
	fw_commit_describe_wait(s->commit, wait, sizeof(wait));
	FILE *out = open_line(buf, len);
	if (out == NULL) {
		return;
	}
	write_surface(fw_commit_surface(s->commit), out);
	fprintf(out,
		": commit %" PRIu32 " held for %.3f s, waiting for %s; "
		"%zu other commit%s of the client held",
		fw_commit_seq(s->commit), (double)(now - s->held_since_ns) / NS_PER_S,
		wait[0] != '\0' ? wait : "?", sc->n_held - 1,
		sc->n_held - 1 == 1 ? "" : "s");
	fclose(out);
}

/*
 * A stall line also as an instant of category "stall" named @kind, on the
 * track of @s's surface (the client's process when the surface is gone),
 * when a trace runs.  A held @s: the commit, what it waits for, its age
 * and the client's held commits; else (the stall's end) how long it was.
 */
static void trace_stall(struct stall_client *sc, const char *kind,
	struct stall_commit *s, int64_t now) {
	struct fw_telemetry *telemetry = *sc->stalls->telemetry;
	if (telemetry == NULL) {
		return;
	}
	struct wlr_surface *surface = fw_commit_surface(s->commit);
	char where[256];
	FILE *out = open_line(where, sizeof(where));
	if (out != NULL) {
		write_surface(surface, out);
		fclose(out);
	}
	char wait[256] = "";
	struct trace_json_arg args[6] = {{.key = "surface", .str = where}};
	int n = 1;
	if (s->held) {
		fw_commit_describe_wait(s->commit, wait, sizeof(wait));
		uint64_t point;
		bool on_point = fw_commit_wait_point(s->commit, &point);
		args[n++] = (struct trace_json_arg){.key = "commit",
			.num = fw_commit_seq(s->commit)};
		args[n++] = (struct trace_json_arg){.key = "waits_on",
			.str = wait[0] != '\0' ? wait : "?"};
		/* The trace's numbers are signed: a larger point is only in the text. */
		if (on_point && point <= INT64_MAX) {
			args[n++] =
				(struct trace_json_arg){.key = "point", .num = (int64_t)point};
		}
		args[n++] = (struct trace_json_arg){.key = "age_us",
			.num = (now - s->held_since_ns) / 1000};
		args[n++] =
			(struct trace_json_arg){.key = "held", .num = (int64_t)sc->n_held};
	} else {
		args[n++] = (struct trace_json_arg){.key = "stalled_us",
			.num = (now - sc->stall_since_ns) / 1000};
	}
	fw_telemetry_client_instant(telemetry, sc->wl_client, surface, "stall",
		kind, args, n);
}

static void arm(struct stall_client *sc, int64_t delay_ns) {
	int ms = delay_ns <= 0 ? 1 : (int)((delay_ns + NS_PER_MS - 1) / NS_PER_MS);
	wl_event_source_timer_update(sc->timer, ms);
	sc->armed = true;
}

static int handle_timer(void *data) {
	struct stall_client *sc = data;
	struct fw_stalls *st = sc->stalls;
	sc->armed = false;
	struct stall_commit *oldest = oldest_held(sc);
	if (oldest == NULL) {
		return 0;
	}
	int64_t now = now_ns();
	bool first = !sc->stalled;
	if (first) {
		int64_t left = st->threshold_ns - (now - oldest->held_since_ns);
		if (left > 0) {
			arm(sc, left);
			return 0;
		}
		sc->stalled = true;
		sc->stall_since_ns = oldest->held_since_ns;
		sc->backoff_s = 1;
		sc->n_stalls++;
	}
	char line[512];
	describe_stall(sc, now, line, sizeof(line));
	struct fw_client *client = fw_client_get(st->clients, sc->wl_client);
	if (client != NULL &&
		fw_client_log(client, FW_CLIENT_EVENT_STALL, WLR_INFO, "%s: %s",
			sc->reported ? "still stalled" : "stall", line)) {
		sc->reported = true;
	}
	/* Whether the limiter let the line through or not: a trace is not
	 * flooded by one instant a second. */
	trace_stall(sc, first ? "stall" : "stall repeat", oldest, now);
	/* Armed after the line, so that the next one is at least a limiter
	 * interval (1 s) later. */
	arm(sc, (int64_t)sc->backoff_s * NS_PER_S);
	sc->backoff_s = sc->backoff_s * 2 > FW_STALLS_MAX_REPEAT_S
		? FW_STALLS_MAX_REPEAT_S
		: sc->backoff_s * 2;
	return 0;
}

/* ---- clients ---- */

static void sc_handle_destroy(struct wl_listener *listener, void *data) {
	struct stall_client *sc = wl_container_of(listener, sc, destroy);
	int64_t now = now_ns();
	/* The client record may be gone already (destroy listeners run in any
	 * order): these lines carry the same prefix themselves. */
	/* A client that quits with a frame in flight is not news; one that
	 * leaves in a stall ends it here. */
	if (sc->stalled && sc->n_held > 0) {
		char line[512];
		describe_stall(sc, now, line, sizeof(line));
		wlr_log(WLR_INFO, "client pid %d (%s): left with %zu held commit%s; %s",
			(int)sc->pid, sc->command, sc->n_held, sc->n_held == 1 ? "" : "s",
			line);
		trace_stall(sc, "left with held commits", oldest_held(sc), now);
	}
	char summary[256];
	FILE *out = open_line(summary, sizeof(summary));
	if (out != NULL) {
		write_summary(sc, out);
		fclose(out);
		wlr_log(WLR_INFO, "client pid %d (%s): summary: %s", (int)sc->pid,
			sc->command, summary);
	}
	struct stall_commit *s, *tmp;
	wl_list_for_each_safe(s, tmp, &sc->commits, link) {
		s->client = NULL;
		wl_list_remove(&s->link);
		wl_list_init(&s->link);
		wl_list_remove(&s->held_link);
		wl_list_init(&s->held_link);
	}
	wl_event_source_remove(sc->timer);
	wl_list_remove(&sc->destroy.link);
	wl_list_remove(&sc->link);
	free(sc);
}

static struct stall_client *sc_get(struct fw_stalls *st,
	struct wl_client *wl_client) {
	struct wl_listener *listener =
		wl_client_get_destroy_listener(wl_client, sc_handle_destroy);
	if (listener != NULL) {
		struct stall_client *sc = wl_container_of(listener, sc, destroy);
		return sc;
	}
	struct fw_client *client = fw_client_get(st->clients, wl_client);
	struct stall_client *sc = client != NULL ? calloc(1, sizeof(*sc)) : NULL;
	if (sc == NULL) {
		return NULL;
	}
	sc->timer = wl_event_loop_add_timer(st->loop, handle_timer, sc);
	if (sc->timer == NULL) {
		free(sc);
		return NULL;
	}
	sc->stalls = st;
	sc->wl_client = wl_client;
	sc->pid = client->pid;
	snprintf(sc->command, sizeof(sc->command), "%s", client->command);
	wl_list_init(&sc->commits);
	wl_list_init(&sc->held);
	sc->destroy.notify = sc_handle_destroy;
	wl_client_add_destroy_listener(wl_client, &sc->destroy);
	wl_list_insert(st->clients_list.prev, &sc->link);
	return sc;
}

/* ---- hooks ---- */

static struct stall_commit *slot(struct fw_stalls *st,
	const struct fw_commit *commit) {
	return fw_commit_get_slot(commit, st->sub);
}

static bool handle_request(struct fw_commit *commit, void *data) {
	struct fw_stalls *st = data;
	struct wl_client *wl_client = fw_commit_client(commit);
	struct stall_client *sc = wl_client != NULL ? sc_get(st, wl_client) : NULL;
	struct stall_commit *s = sc != NULL ? calloc(1, sizeof(*s)) : NULL;
	if (s == NULL) {
		/* Out of memory: this commit goes unreported, nothing else. */
		return true;
	}
	s->commit = commit;
	s->client = sc;
	s->buffer = fw_commit_attaches(commit) && !fw_commit_null_attach(commit);
	wl_list_insert(sc->commits.prev, &s->link);
	wl_list_init(&s->held_link);
	sc->n_commits++;
	fw_commit_set_slot(commit, st->sub, s);
	return true;
}

static void handle_held(struct fw_commit *commit, void *data) {
	struct stall_commit *s = slot(data, commit);
	if (s == NULL || s->client == NULL) {
		return;
	}
	struct stall_client *sc = s->client;
	s->held = true;
	s->held_since_ns = now_ns();
	wl_list_insert(sc->held.prev, &s->held_link);
	sc->n_held++;
	if (!sc->armed && !sc->stalled) {
		arm(sc,
			sc->stalls->threshold_ns -
				(now_ns() - oldest_held(sc)->held_since_ns));
	}
}

/* The hold of s ends; let_go: its fence signalled (counted), else its
 * surface went. */
static void end_hold(struct stall_commit *s, bool let_go) {
	struct stall_client *sc = s->client;
	s->held = false;
	if (sc == NULL) {
		return;
	}
	wl_list_remove(&s->held_link);
	wl_list_init(&s->held_link);
	sc->n_held--;
	if (let_go) {
		int64_t held_ns = now_ns() - s->held_since_ns;
		sc->n_holds++;
		sc->hist[hist_index(held_ns > 0 ? (uint64_t)held_ns / 1000 : 0)]++;
	}
	if (sc->n_held > 0 || !sc->stalled) {
		return;
	}
	int64_t now = now_ns();
	if (sc->reported) {
		wlr_log(WLR_INFO, "client pid %d (%s): stall over after %.3f s",
			(int)sc->pid, sc->command,
			(double)(now - sc->stall_since_ns) / NS_PER_S);
	}
	trace_stall(sc, "stall end", s, now);
	sc->stalled = false;
	sc->reported = false;
	/* The back-off timer must not delay the next stall's first line. */
	wl_event_source_timer_update(sc->timer, 0);
	sc->armed = false;
}

static void handle_acquired(struct fw_commit *commit, void *data) {
	struct stall_commit *s = slot(data, commit);
	if (s != NULL && s->held) {
		end_hold(s, true);
	}
}

static void handle_applied(struct fw_commit *commit, void *data) {
	struct stall_commit *s = slot(data, commit);
	if (s != NULL) {
		s->applied = true;
	}
}

static void handle_fence_failed(struct fw_commit *commit, void *data) {
	struct stall_commit *s = slot(data, commit);
	if (s != NULL && s->client != NULL) {
		s->client->n_fence_errors++;
	}
}

static void handle_retired(struct fw_commit *commit, void *data) {
	struct fw_stalls *st = data;
	struct stall_commit *s = slot(st, commit);
	if (s == NULL) {
		return;
	}
	if (s->held) {
		end_hold(s, false);
	}
	wl_list_remove(&s->link);
	wl_list_remove(&s->held_link);
	fw_commit_set_slot(commit, st->sub, NULL);
	free(s);
}

static const struct fw_commit_hooks hooks = {
	.request = handle_request,
	.held = handle_held,
	.acquired = handle_acquired,
	.applied = handle_applied,
	.retired = handle_retired,
	.fence_failed = handle_fence_failed,
};

/* ---- status ---- */

void fw_stalls_write_stalls(struct fw_stalls *st, FILE *out) {
	int64_t now = now_ns();
	bool any = false;
	struct stall_client *sc;
	wl_list_for_each(sc, &st->clients_list, link) {
		if (!sc->stalled) {
			continue;
		}
		char line[512];
		describe_stall(sc, now, line, sizeof(line));
		fprintf(out, "client pid %d (%s): stalled for %.3f s: %s\n",
			(int)sc->pid, sc->command,
			(double)(now - sc->stall_since_ns) / NS_PER_S, line);
		any = true;
	}
	if (!any) {
		fputs("no stalls\n", out);
	}
}

/* One surface of sc: its held commits, its buffers not yet released. */
static void write_surface_status(struct stall_client *sc,
	struct wlr_surface *surface, int64_t now, FILE *out) {
	size_t held = 0, pending = 0;
	struct stall_commit *s;
	wl_list_for_each(s, &sc->commits, link) {
		if (fw_commit_surface(s->commit) == surface) {
			held += s->held;
			pending += s->buffer && s->applied;
		}
	}
	fputs("  ", out);
	write_surface(surface, out);
	fprintf(out, ": %zu held, %zu release%s pending\n", held, pending,
		pending == 1 ? "" : "s");
	wl_list_for_each(s, &sc->commits, link) {
		if (!s->held || fw_commit_surface(s->commit) != surface) {
			continue;
		}
		char wait[256];
		fw_commit_describe_wait(s->commit, wait, sizeof(wait));
		fprintf(out, "    commit %-6" PRIu32 " held %8.3f s  %s\n",
			fw_commit_seq(s->commit),
			(double)(now - s->held_since_ns) / NS_PER_S,
			wait[0] != '\0' ? wait : "?");
	}
}

void fw_stalls_write_status(struct fw_stalls *st, FILE *out) {
	int64_t now = now_ns();
	size_t n = wl_list_length(&st->clients_list);
	fprintf(out, "%zu client%s with commits; stall threshold %" PRId64 " ms\n",
		n, n == 1 ? "" : "s", st->threshold_ns / NS_PER_MS);
	struct stall_client *sc;
	wl_list_for_each(sc, &st->clients_list, link) {
		fprintf(out, "client pid %d (%s): ", (int)sc->pid, sc->command);
		write_summary(sc, out);
		if (sc->stalled) {
			fprintf(out, "; stalled for %.3f s",
				(double)(now - sc->stall_since_ns) / NS_PER_S);
		}
		fputc('\n', out);
		/* Surfaces in the order of their oldest live commit. */
		struct stall_commit *s;
		wl_list_for_each(s, &sc->commits, link) {
			struct wlr_surface *surface = fw_commit_surface(s->commit);
			bool first = true;
			struct stall_commit *before;
			wl_list_for_each(before, &sc->commits, link) {
				if (before == s) {
					break;
				}
				if (fw_commit_surface(before->commit) == surface) {
					first = false;
					break;
				}
			}
			if (first && surface != NULL) {
				write_surface_status(sc, surface, now, out);
			}
		}
	}
}

/* ---- life ---- */

struct fw_stalls *fw_stalls_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, struct wl_event_loop *loop,
	struct fw_telemetry *const *telemetry, int threshold_ms) {
	struct fw_stalls *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		wlr_log(WLR_ERROR, "stall reports: out of memory");
		return NULL;
	}
	st->tracker = tracker;
	st->clients = clients;
	st->loop = loop;
	st->telemetry = telemetry;
	st->threshold_ns =
		(int64_t)(threshold_ms > 0 ? threshold_ms
								   : FW_STALLS_DEFAULT_THRESHOLD_MS) *
		NS_PER_MS;
	wl_list_init(&st->clients_list);
	st->sub = fw_commit_subscribe(tracker, &hooks, st);
	if (st->sub < 0) {
		wlr_log(WLR_ERROR, "stall reports: no commit tracker slot left");
		free(st);
		return NULL;
	}
	return st;
}

void fw_stalls_destroy(struct fw_stalls *st) {
	if (st == NULL) {
		return;
	}
	/* Every client left first (and said its summary). */
	assert(wl_list_empty(&st->clients_list));
	fw_commit_unsubscribe(st->tracker, st->sub);
	free(st);
}
