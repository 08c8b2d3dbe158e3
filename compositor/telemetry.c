/*
 * The --trace subscriber of the commit tracker (telemetry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#include "client.h"
#include "commit.h"
#include "telemetry.h"
#include "trace_json.h"

#define CAT "commit"

struct fw_telemetry {
	struct trace_json *tj;
	struct fw_commit_tracker *tracker;
	struct fw_clients *clients;
	int sub;
	uint64_t next_id;
	int next_tid;
	pid_t *pids; /* processes already named */
	size_t npids, cap_pids;
	struct wl_list tracks; /* struct track.link */
};

/* A surface's track, hung on the surface so it goes with it. */
struct track {
	struct wlr_addon addon;
	struct wl_list link;
	int tid;
};

/* What one commit has shown so far; the subscriber's slot. */
struct span {
	int pid, tid;
	uint64_t id;
	bool buffer;
	bool waiting, applied, on_screen, superseded;
};

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void track_destroy(struct wlr_addon *addon) {
	struct track *track = wl_container_of(addon, track, addon);
	wlr_addon_finish(&track->addon);
	wl_list_remove(&track->link);
	free(track);
}

static const struct wlr_addon_interface track_impl = {
	.name = "fw_telemetry_track",
	.destroy = track_destroy,
};

/* Name the client's process the first time it commits. */
static bool ensure_process(struct fw_telemetry *t,
	const struct fw_client *client) {
	for (size_t i = 0; i < t->npids; i++) {
		if (t->pids[i] == client->pid) {
			return true;
		}
	}
	if (t->npids == t->cap_pids) {
		size_t cap = t->cap_pids ? 2 * t->cap_pids : 8;
		pid_t *pids = realloc(t->pids, cap * sizeof(*pids));
		if (pids == NULL) {
			return false;
		}
		t->pids = pids;
		t->cap_pids = cap;
	}
	t->pids[t->npids++] = client->pid;

	char name[64];
	snprintf(name, sizeof(name), "%s (%d)", client->command, (int)client->pid);
	trace_json_process(t->tj, client->pid, name, (int)t->npids);
	return true;
}

static struct track *ensure_track(struct fw_telemetry *t,
	struct wlr_surface *surface, pid_t pid) {
	struct wlr_addon *addon = wlr_addon_find(&surface->addons, t, &track_impl);
	if (addon != NULL) {
		struct track *track = wl_container_of(addon, track, addon);
		return track;
	}
	struct track *track = calloc(1, sizeof(*track));
	if (track == NULL) {
		return NULL;
	}
	track->tid = ++t->next_tid;
	wlr_addon_init(&track->addon, &surface->addons, t, &track_impl);
	wl_list_insert(&t->tracks, &track->link);
	char name[48];
	snprintf(name, sizeof(name), "surface %u",
		wl_resource_get_id(surface->resource));
	trace_json_track(t->tj, pid, track->tid, name, track->tid);
	return track;
}

static bool handle_request(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct wlr_surface *surface = fw_commit_surface(commit);
	struct wl_client *wl_client = fw_commit_client(commit);
	if (surface == NULL || wl_client == NULL) {
		return true;
	}
	/* NULL: out of memory, and the client was told so. */
	struct fw_client *client = fw_client_get(t->clients, wl_client);
	if (client == NULL) {
		return true;
	}
	pid_t pid = client->pid;
	struct track *track;
	struct span *span = calloc(1, sizeof(*span));
	/* Out of memory costs the trace this commit, never the client. */
	if (span == NULL || !ensure_process(t, client) ||
		(track = ensure_track(t, surface, pid)) == NULL) {
		free(span);
		return true;
	}
	span->pid = pid;
	span->tid = track->tid;
	span->id = ++t->next_id;
	span->buffer = fw_commit_attaches(commit) && !fw_commit_null_attach(commit);
	struct trace_json_arg args[] = {
		{.key = "seq", .num = fw_commit_seq(commit)},
		{.key = "id", .num = (int64_t)span->id},
		{.key = "buffer", .num = span->buffer},
	};
	trace_json_instant(t->tj, pid, span->tid, CAT, "commit", now_ns(), args, 3);
	if (span->buffer) {
		fw_commit_set_slot(commit, t->sub, span);
	} else {
		free(span);
	}
	return true;
}

static struct span *slot(struct fw_telemetry *t, struct fw_commit *commit) {
	return fw_commit_get_slot(commit, t->sub);
}

static void begin(struct fw_telemetry *t, struct span *s, const char *name) {
	trace_json_span_begin(t->tj, s->pid, s->tid, CAT, name, s->id, now_ns(),
		NULL, 0);
}

static void end(struct fw_telemetry *t, struct span *s, const char *name,
	const char *outcome) {
	struct trace_json_arg arg = {.key = "outcome", .str = outcome};
	trace_json_span_end(t->tj, s->pid, s->tid, CAT, name, s->id, now_ns(),
		outcome != NULL ? &arg : NULL, outcome != NULL);
}

static void end_waiting(struct fw_telemetry *t, struct span *s,
	const char *outcome) {
	if (s->waiting) {
		end(t, s, "waiting for acquire", outcome);
		s->waiting = false;
	}
}

static void handle_held(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		begin(t, s, "waiting for acquire");
		s->waiting = true;
	}
}

static void handle_applied(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		end_waiting(t, s, "applied");
		begin(t, s, "applied");
		s->applied = true;
	}
}

static void end_applied(struct fw_telemetry *t, struct span *s,
	const char *outcome) {
	end_waiting(t, s, outcome);
	if (s->applied) {
		end(t, s, "applied", outcome);
		s->applied = false;
	}
}

static void handle_presented(struct fw_commit *commit,
	const struct wlr_output_event_present *event, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		end_applied(t, s, "presented");
		if (!s->superseded) {
			begin(t, s, "on screen");
			s->on_screen = true;
		}
	}
}

static void handle_discarded(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		end_applied(t, s, "discarded");
	}
}

static void handle_superseded(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		if (s->on_screen) {
			end(t, s, "on screen", NULL);
			s->on_screen = false;
		}
		begin(t, s, "release pending");
		s->superseded = true;
	}
}

static void handle_retired(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	end_applied(t, s, "retired");
	if (s->superseded) {
		end(t, s, "release pending", NULL);
	}
	fw_commit_set_slot(commit, t->sub, NULL);
	free(s);
}

static const struct fw_commit_hooks hooks = {
	.request = handle_request,
	.held = handle_held,
	.applied = handle_applied,
	.presented = handle_presented,
	.discarded = handle_discarded,
	.superseded = handle_superseded,
	.retired = handle_retired,
};

struct fw_telemetry *fw_telemetry_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, int fd) {
	struct fw_telemetry *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		close(fd);
		return NULL;
	}
	wl_list_init(&t->tracks);
	t->tj = trace_json_create(fd);
	if (t->tj == NULL) {
		wlr_log_errno(WLR_ERROR, "trace: cannot start the file");
		free(t);
		return NULL;
	}
	trace_json_process(t->tj, getpid(), "fenceway", 0);
	t->tracker = tracker;
	t->clients = clients;
	t->sub = fw_commit_subscribe(tracker, &hooks, t);
	if (t->sub < 0) {
		wlr_log(WLR_ERROR, "trace: no commit tracker slot left");
		trace_json_destroy(t->tj, now_ns());
		free(t);
		return NULL;
	}
	return t;
}

void fw_telemetry_flush(struct fw_telemetry *telemetry) {
	if (telemetry != NULL && !trace_json_flush(telemetry->tj)) {
		wlr_log_errno(WLR_ERROR, "trace: write failed");
	}
}

void fw_telemetry_destroy(struct fw_telemetry *telemetry) {
	if (telemetry == NULL) {
		return;
	}
	/* Ends every open span through the hooks the commits still lack. */
	fw_commit_unsubscribe(telemetry->tracker, telemetry->sub);
	struct track *track, *tmp;
	wl_list_for_each_safe(track, tmp, &telemetry->tracks, link) {
		track_destroy(&track->addon);
	}
	trace_json_destroy(telemetry->tj, now_ns());
	free(telemetry->pids);
	free(telemetry);
}
