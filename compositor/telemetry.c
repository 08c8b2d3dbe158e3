/*
 * The --trace / --trace-marker subscriber of the commit tracker
 * (telemetry.h).
 *
 * Every event goes to both sinks that are on: the JSON file (trace_json.c)
 * and the trace_marker (trace_marker.c, spans and a few plain lines).
 * Times are taken when a hook runs, so the order of the hooks is the order
 * in the trace.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#ifdef FW_HAVE_EXPLICIT_SYNC
#include <fenceway/trace.h>
#include "linux-drm-syncobj-v1-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"
#endif
#include "client.h"
#include "commit.h"
#include "protocol_watch.h"
#include "telemetry.h"
#include "trace_json.h"
#include "trace_marker.h"

#define CAT "commit"
/* Outputs with a track of their own; more share the last one. */
#define MAX_OUTPUTS 8
/* Commits retired whose release event has not come yet (a client that
 * destroyed its buffer never gets one): the oldest beyond this are
 * dropped. */
#define MAX_AWAITING 256
/* The file is written at most this often (and when its buffer fills). */
#define FLUSH_INTERVAL_NS 100000000
/* Tracks of outputs sit after every surface's: tids from here. */
#define OUTPUT_TID_BASE 1000000

/* How the commit's buffer goes back to its client. */
enum release_how {
	RELEASE_BUFFER, /* wl_buffer.release */
	RELEASE_POINT,  /* wp_linux_drm_syncobj_surface_v1 release point */
	RELEASE_OBJECT, /* zwp_linux_buffer_release_v1: fenced or immediate */
};

/* A client's process, and what its requests said for its next commit. */
struct proc {
	pid_t pid;
	struct wl_client *wl_client;
	char command[32];
	enum release_how pending_how;
	uint64_t pending_point;
	uint32_t pending_object;
};

/* An output's track: its presents, and its renders as "render" spans. */
struct output_track {
	struct fw_telemetry *t;
	struct wlr_output *output; /* NULL once destroyed */
	int tid;
	uint32_t last_seq;
	int64_t last_present_ns; /* its present instant: where arrows meet */
	bool presented_once;
	int64_t frame_ns; /* when its frame event began, 0 when done */
	uint64_t renders;
	struct wl_listener frame, commit, destroy;
};

#ifdef FW_HAVE_EXPLICIT_SYNC
/* What the fence library said about a fence, by its id (a direct-mapped
 * cache: a collision only loses a name). */
#define FENCES 1024
#define DRAIN_BATCH 128
struct fence_info {
	uint64_t id;
	uint64_t seqno;
	int64_t signal_ns, producer_ns;
	int32_t status;
	const char *driver;
	char timeline[FW_TRACE_NAME_LEN];
};
#endif

struct fw_telemetry {
	struct trace_json *tj; /* NULL without --trace */
	int marker_fd;         /* -1 without a writable trace_marker */
	struct fw_commit_tracker *tracker;
	struct fw_clients *clients;
	struct fw_protocol_watch *watch;
	int sub;
	pid_t self;
	uint64_t next_id, next_flow;
	int next_tid;
	struct proc *procs;
	size_t nprocs, cap_procs;
	struct wl_list tracks; /* struct track.link */
	struct wl_list spans;  /* struct span.link, oldest first */
	size_t awaiting;       /* spans retired, release event still due */
	int64_t held, releases_pending;
	int64_t flushed_ns; /* when the file was last written */
	struct output_track outputs[MAX_OUTPUTS];
	int noutputs;
#ifdef FW_HAVE_EXPLICIT_SYNC
	pid_t main_tid;
	uint64_t last_wait; /* fence of the latest callback wait of ours */
	uint64_t fence_events_dropped;
	struct fence_info fences[FENCES];
	struct fw_trace_event batch[DRAIN_BATCH];
#endif
};

/* A surface's track, hung on the surface so it goes with it. */
struct track {
	struct wlr_addon addon;
	struct wl_list link;
	pid_t pid;
	int tid;
	/* The wl_buffer of the surface's latest attach request, compared by
	 * address only. */
	struct wl_resource *pending_buffer;
};

/* One buffer commit's life; in the commit's slot until retired. */
struct span {
	struct wl_list link;
	struct wl_client *wl_client;
	pid_t pid;
	int tid;
	uint64_t id;
	uint64_t fence; /* the fence library's id of what it waited for */
	uint64_t flow;  /* the arrow that ends at the next step, 0 none */
	struct wl_resource *buffer;
	enum release_how how;
	uint64_t release_point;
	uint32_t release_object;
	char label[96]; /* marker lines: "fenceway COMMAND(PID) surface N" */
	bool held, waiting, applied, on_screen, superseded;
	bool released, retired;
};

/* Each span of a commit has its own marker id: GPUVis pairs by it. */
enum span_kind { SPAN_WAITING, SPAN_APPLIED, SPAN_ON_SCREEN, SPAN_RELEASE };
static const char *const span_names[] = {
	[SPAN_WAITING] = "waiting for acquire",
	[SPAN_APPLIED] = "applied",
	[SPAN_ON_SCREEN] = "on screen",
	[SPAN_RELEASE] = "release pending",
};

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- fences, from libfenceway-sync's trace ---- */

#ifdef FW_HAVE_EXPLICIT_SYNC
static void fence_event(struct fw_telemetry *t,
	const struct fw_trace_event *ev) {
	struct fence_info *f = &t->fences[ev->fence_id % FENCES];
	switch (ev->type) {
	case FW_TRACE_FENCE_CREATED:
	case FW_TRACE_FENCE_IMPORTED:
		*f = (struct fence_info){
			.id = ev->fence_id,
			.seqno = ev->seqno,
			.driver = ev->driver,
		};
		memcpy(f->timeline, ev->timeline, sizeof(f->timeline));
		f->timeline[sizeof(f->timeline) - 1] = '\0';
		break;
	case FW_TRACE_WAIT_STARTED:
		if (ev->tid == (uint32_t)t->main_tid &&
			ev->wait == FW_TRACE_WAIT_CALLBACK) {
			t->last_wait = ev->fence_id;
		}
		break;
	case FW_TRACE_FENCE_SIGNALED:
		if (f->id != ev->fence_id) {
			*f = (struct fence_info){.id = ev->fence_id, .seqno = ev->seqno};
		}
		f->signal_ns = ev->signal_ns;
		f->producer_ns = ev->producer_ns;
		f->status = ev->status;
		break;
	default:
		break;
	}
}

static void drain_fences(struct fw_telemetry *t) {
	size_t n;
	do {
		uint64_t dropped = 0;
		n = fw_trace_drain(t->batch, DRAIN_BATCH, &dropped);
		t->fence_events_dropped += dropped;
		for (size_t i = 0; i < n; i++) {
			fence_event(t, &t->batch[i]);
		}
	} while (n == DRAIN_BATCH);
}

static const struct fence_info *fence_find(struct fw_telemetry *t,
	uint64_t id) {
	const struct fence_info *f = &t->fences[id % FENCES];
	return id != 0 && f->id == id ? f : NULL;
}
#endif

/* ---- processes and tracks ---- */

static struct proc *proc_find(struct fw_telemetry *t,
	struct wl_client *wl_client) {
	for (size_t i = 0; i < t->nprocs; i++) {
		if (t->procs[i].wl_client == wl_client) {
			return &t->procs[i];
		}
	}
	return NULL;
}

/* The client's process, named in the trace the first time it is seen. */
static struct proc *ensure_process(struct fw_telemetry *t,
	struct wl_client *wl_client) {
	struct proc *p = proc_find(t, wl_client);
	if (p != NULL) {
		return p;
	}
	/* NULL: out of memory, and the client was told so. */
	struct fw_client *client = fw_client_get(t->clients, wl_client);
	if (client == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < t->nprocs; i++) {
		/* A new connection of a process already named. */
		if (t->procs[i].pid == client->pid) {
			t->procs[i].wl_client = wl_client;
			t->procs[i].pending_how = RELEASE_BUFFER;
			return &t->procs[i];
		}
	}
	if (t->nprocs == t->cap_procs) {
		size_t cap = t->cap_procs ? 2 * t->cap_procs : 8;
		struct proc *procs = realloc(t->procs, cap * sizeof(*procs));
		if (procs == NULL) {
			return NULL;
		}
		t->procs = procs;
		t->cap_procs = cap;
	}
	p = &t->procs[t->nprocs++];
	*p = (struct proc){.pid = client->pid, .wl_client = wl_client};
	snprintf(p->command, sizeof(p->command), "%s", client->command);
	if (t->tj != NULL) {
		char name[64];
		snprintf(name, sizeof(name), "%s (%d)", p->command, (int)p->pid);
		trace_json_process(t->tj, p->pid, name, (int)t->nprocs);
	}
	return p;
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

static struct track *find_track(struct fw_telemetry *t,
	struct wlr_surface *surface) {
	struct wlr_addon *addon = wlr_addon_find(&surface->addons, t, &track_impl);
	if (addon == NULL) {
		return NULL;
	}
	struct track *track = wl_container_of(addon, track, addon);
	return track;
}

static struct track *ensure_track(struct fw_telemetry *t,
	struct wlr_surface *surface, pid_t pid) {
	struct track *track = find_track(t, surface);
	if (track != NULL) {
		return track;
	}
	track = calloc(1, sizeof(*track));
	if (track == NULL) {
		return NULL;
	}
	track->pid = pid;
	track->tid = ++t->next_tid;
	wlr_addon_init(&track->addon, &surface->addons, t, &track_impl);
	wl_list_insert(&t->tracks, &track->link);
	if (t->tj != NULL) {
		char name[48];
		snprintf(name, sizeof(name), "surface %u",
			wl_resource_get_id(surface->resource));
		trace_json_track(t->tj, pid, track->tid, name, track->tid);
	}
	return track;
}

/* The track of @surface of @wl_client, made on first use; NULL when out of
 * memory (costs the trace an event, never the client). */
static struct track *client_track(struct fw_telemetry *t,
	struct wl_client *wl_client, struct wlr_surface *surface,
	struct proc **proc) {
	struct proc *p = ensure_process(t, wl_client);
	if (p == NULL) {
		return NULL;
	}
	*proc = p;
	return ensure_track(t, surface, p->pid);
}

static void output_handle_frame(struct wl_listener *listener, void *data) {
	struct output_track *o = wl_container_of(listener, o, frame);
	o->frame_ns = now_ns();
}

/* The frame's render ends with the output's commit: a span, so a trace
 * shows which signals came while the main thread was busy rendering. */
static void output_handle_commit(struct wl_listener *listener, void *data) {
	struct output_track *o = wl_container_of(listener, o, commit);
	if (o->frame_ns == 0 || o->t->tj == NULL) {
		return;
	}
	uint64_t id = (uint64_t)o->tid << 32 | ++o->renders;
	trace_json_span_begin(o->t->tj, o->t->self, o->tid, "output", "render", id,
		o->frame_ns, NULL, 0);
	trace_json_span_end(o->t->tj, o->t->self, o->tid, "output", "render", id,
		now_ns(), NULL, 0);
	o->frame_ns = 0;
}

static void output_track_finish(struct output_track *o) {
	if (o->output != NULL) {
		wl_list_remove(&o->frame.link);
		wl_list_remove(&o->commit.link);
		wl_list_remove(&o->destroy.link);
		o->output = NULL;
	}
}

static void output_handle_destroy(struct wl_listener *listener, void *data) {
	struct output_track *o = wl_container_of(listener, o, destroy);
	output_track_finish(o);
}

static struct output_track *output_track(struct fw_telemetry *t,
	struct wlr_output *output) {
	for (int i = 0; i < t->noutputs; i++) {
		if (t->outputs[i].output == output) {
			return &t->outputs[i];
		}
	}
	if (t->noutputs == MAX_OUTPUTS) {
		return &t->outputs[MAX_OUTPUTS - 1];
	}
	struct output_track *o = &t->outputs[t->noutputs++];
	*o = (struct output_track){
		.t = t,
		.output = output,
		.tid = OUTPUT_TID_BASE + t->noutputs,
	};
	/* First among the frame listeners, so that it runs before the one
	 * that renders (output.c), whenever that subscribed. */
	o->frame.notify = output_handle_frame;
	wl_list_insert(&output->events.frame.listener_list, &o->frame.link);
	o->commit.notify = output_handle_commit;
	wl_signal_add(&output->events.commit, &o->commit);
	o->destroy.notify = output_handle_destroy;
	wl_signal_add(&output->events.destroy, &o->destroy);
	if (t->tj != NULL) {
		char name[64];
		snprintf(name, sizeof(name), "output %s", output->name);
		trace_json_track(t->tj, t->self, o->tid, name, o->tid);
	}
	return o;
}

/* ---- what every event writes ---- */

static void count_held(struct fw_telemetry *t, int delta, int64_t ts) {
	t->held += delta;
	if (t->tj != NULL) {
		trace_json_counter(t->tj, t->self, "held commits", "held", t->held, ts);
	}
}

static void count_releases(struct fw_telemetry *t, int delta, int64_t ts) {
	t->releases_pending += delta;
	if (t->tj != NULL) {
		trace_json_counter(t->tj, t->self, "pending releases", "pending",
			t->releases_pending, ts);
	}
}

static void instant(struct fw_telemetry *t, struct span *s, const char *cat,
	const char *name, int64_t ts, const struct trace_json_arg *args,
	int nargs) {
	if (t->tj != NULL) {
		/* The commit's id first: what ties the instant to its spans. */
		struct trace_json_arg all[8] = {{.key = "id", .num = (int64_t)s->id}};
		int n = 1;
		for (int i = 0; i < nargs && n < 8; i++) {
			all[n++] = args[i];
		}
		trace_json_instant(t->tj, s->pid, s->tid, cat, name, ts, all, n);
	}
	if (t->marker_fd >= 0) {
		char line[160];
		snprintf(line, sizeof(line), "%s commit %" PRIu64 ": %s", s->label,
			s->id, name);
		fw_trace_marker_print(t->marker_fd, line);
	}
}

/* End the arrow that waits for its next step here, start one from here. */
static void flow_step(struct fw_telemetry *t, struct span *s, int pid, int tid,
	int64_t ts, bool again) {
	if (t->tj == NULL) {
		return;
	}
	if (s->flow != 0) {
		trace_json_flow_end(t->tj, pid, tid, "frame", "frame", s->flow, ts);
		s->flow = 0;
	}
	if (again) {
		s->flow = ++t->next_flow;
		trace_json_flow_start(t->tj, pid, tid, "frame", "frame", s->flow, ts);
	}
}

static void begin(struct fw_telemetry *t, struct span *s, enum span_kind kind,
	int64_t ts, const struct trace_json_arg *args, int nargs) {
	if (t->tj != NULL) {
		trace_json_span_begin(t->tj, s->pid, s->tid, CAT, span_names[kind],
			s->id, ts, args, nargs);
	}
	if (t->marker_fd >= 0) {
		char label[160];
		snprintf(label, sizeof(label), "%s commit %" PRIu64 ": %s", s->label,
			s->id, span_names[kind]);
		fw_trace_marker_begin(t->marker_fd, s->id * 4 + kind, label);
	}
}

static void end(struct fw_telemetry *t, struct span *s, enum span_kind kind,
	int64_t ts, const char *outcome) {
	if (t->tj != NULL) {
		struct trace_json_arg arg = {.key = "outcome", .str = outcome};
		trace_json_span_end(t->tj, s->pid, s->tid, CAT, span_names[kind], s->id,
			ts, outcome != NULL ? &arg : NULL, outcome != NULL);
	}
	if (t->marker_fd >= 0) {
		fw_trace_marker_end(t->marker_fd, s->id * 4 + kind, "fenceway");
	}
}

/* ---- the commit tracker's hooks ---- */

static struct span *slot(struct fw_telemetry *t, struct fw_commit *commit) {
	return fw_commit_get_slot(commit, t->sub);
}

static void span_free(struct fw_telemetry *t, struct span *s) {
	if (s->retired && !s->released) {
		t->awaiting--;
	}
	wl_list_remove(&s->link);
	free(s);
}

static bool handle_request(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct wlr_surface *surface = fw_commit_surface(commit);
	struct wl_client *wl_client = fw_commit_client(commit);
	if (surface == NULL || wl_client == NULL) {
		return true;
	}
	struct proc *p = NULL;
	struct track *track = client_track(t, wl_client, surface, &p);
	if (track == NULL) {
		return true;
	}
	bool buffer = fw_commit_attaches(commit) && !fw_commit_null_attach(commit);
	int64_t ts = now_ns();
	struct span *s = buffer ? calloc(1, sizeof(*s)) : NULL;
	uint64_t id = ++t->next_id;
	struct trace_json_arg args[] = {
		{.key = "seq", .num = fw_commit_seq(commit)},
		{.key = "id", .num = (int64_t)id},
		{.key = "buffer", .num = buffer},
	};
	if (t->tj != NULL) {
		trace_json_instant(t->tj, p->pid, track->tid, CAT, "commit", ts, args,
			3);
	}
	if (s == NULL) {
		/* Out of memory costs the trace this commit, never the client. */
		return true;
	}
	s->wl_client = wl_client;
	s->pid = p->pid;
	s->tid = track->tid;
	s->id = id;
	s->buffer = track->pending_buffer;
	track->pending_buffer = NULL;
	s->how = p->pending_how;
	s->release_point = p->pending_point;
	s->release_object = p->pending_object;
	p->pending_how = RELEASE_BUFFER;
	if (t->marker_fd >= 0) {
		/* Only marker lines carry it: formatting is what tracing costs most. */
		snprintf(s->label, sizeof(s->label), "fenceway %s(%d) surface %d",
			p->command, (int)p->pid, track->tid);
	}
	wl_list_insert(t->spans.prev, &s->link);
	fw_commit_set_slot(commit, t->sub, s);
	/* Until a held hook says otherwise, the frame starts at its commit. */
	flow_step(t, s, s->pid, s->tid, ts, true);
	return true;
}

static void handle_held(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	int64_t ts = now_ns();
	struct trace_json_arg args[3] = {{0}};
	int nargs = 0;
#ifdef FW_HAVE_EXPLICIT_SYNC
	/* The explicit-sync request hooks, all run by now, started the wait. */
	drain_fences(t);
	s->fence = t->last_wait;
	t->last_wait = 0;
	const struct fence_info *f = fence_find(t, s->fence);
	if (f != NULL) {
		args[nargs++] =
			(struct trace_json_arg){.key = "timeline", .str = f->timeline};
		args[nargs++] =
			(struct trace_json_arg){.key = "point", .num = (int64_t)f->seqno};
		args[nargs++] = (struct trace_json_arg){.key = "driver",
			.str = f->driver != NULL ? f->driver : "?"};
	}
#endif
	begin(t, s, SPAN_WAITING, ts, args, nargs);
	s->waiting = true;
	s->held = true;
	count_held(t, 1, ts);
}

static void end_held(struct fw_telemetry *t, struct span *s, int64_t ts) {
	if (s->held) {
		s->held = false;
		count_held(t, -1, ts);
	}
}

static void handle_acquired(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	int64_t ts = now_ns();
	struct trace_json_arg args[6] = {{0}};
	int nargs = 0;
	bool failed = false;
#ifdef FW_HAVE_EXPLICIT_SYNC
	drain_fences(t);
	const struct fence_info *f = fence_find(t, s->fence);
	if (f != NULL && f->signal_ns > 0) {
		/* The library's observation may come from another thread a little
		 * later than ours; neither is after the hook. */
		int64_t observed = f->signal_ns < ts ? f->signal_ns : ts;
		int64_t producer = f->producer_ns;
		if (producer > observed) {
			producer = observed;
		}
		args[nargs++] =
			(struct trace_json_arg){.key = "timeline", .str = f->timeline};
		args[nargs++] =
			(struct trace_json_arg){.key = "point", .num = (int64_t)f->seqno};
		args[nargs++] =
			(struct trace_json_arg){.key = "status", .num = f->status};
		args[nargs++] =
			(struct trace_json_arg){.key = "observed_ns", .num = observed};
		if (producer > 0) {
			args[nargs++] =
				(struct trace_json_arg){.key = "producer_ns", .num = producer};
			args[nargs++] = (struct trace_json_arg){.key = "wakeup_ns",
				.num = observed - producer};
		}
		failed = f->status < 0;
	}
#endif
	instant(t, s, "fence", "acquire signalled", ts, args, nargs);
	if (failed) {
		instant(t, s, "error", "acquire fence failed", ts, args, nargs);
	}
	flow_step(t, s, s->pid, s->tid, ts, true);
	end_held(t, s, ts);
}

static void end_waiting(struct fw_telemetry *t, struct span *s, int64_t ts,
	const char *outcome) {
	if (s->waiting) {
		end(t, s, SPAN_WAITING, ts, outcome);
		s->waiting = false;
	}
	end_held(t, s, ts);
}

static void handle_applied(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		int64_t ts = now_ns();
		end_waiting(t, s, ts, "applied");
		begin(t, s, SPAN_APPLIED, ts, NULL, 0);
		s->applied = true;
	}
}

static void end_applied(struct fw_telemetry *t, struct span *s, int64_t ts,
	const char *outcome) {
	end_waiting(t, s, ts, outcome);
	if (s->applied) {
		end(t, s, SPAN_APPLIED, ts, outcome);
		s->applied = false;
	}
}

/* The output's present, once per output frame, on the output's track. */
static void output_present(struct fw_telemetry *t,
	const struct wlr_output_event_present *event, struct output_track *o,
	int64_t ts) {
	if (o->presented_once && o->last_seq == event->commit_seq) {
		return;
	}
	o->presented_once = true;
	o->last_seq = event->commit_seq;
	o->last_present_ns = ts;
	int64_t when = event->when != NULL
		? (int64_t)event->when->tv_sec * 1000000000 + event->when->tv_nsec
		: 0;
	struct trace_json_arg args[] = {
		{.key = "output", .str = event->output->name},
		{.key = "commit_seq", .num = event->commit_seq},
		{.key = "vblank_seq", .num = event->seq},
		{.key = "when_ns", .num = when},
	};
	if (t->tj != NULL) {
		trace_json_instant(t->tj, t->self, o->tid, "output", "present", ts,
			args, 4);
	}
	if (t->marker_fd >= 0) {
		char line[96];
		snprintf(line, sizeof(line), "fenceway output %s present %" PRIu32,
			event->output->name, event->commit_seq);
		fw_trace_marker_print(t->marker_fd, line);
	}
}

static void handle_presented(struct fw_commit *commit,
	const struct wlr_output_event_present *event, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	int64_t ts = now_ns();
	struct output_track *o = output_track(t, event->output);
	output_present(t, event, o, ts);
	end_applied(t, s, ts, "presented");
	/* Every commit a frame showed points at the frame's one instant. */
	flow_step(t, s, t->self, o->tid, o->last_present_ns, true);
	if (!s->superseded) {
		begin(t, s, SPAN_ON_SCREEN, ts, NULL, 0);
		s->on_screen = true;
	}
}

static void handle_discarded(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s != NULL) {
		end_applied(t, s, now_ns(), "discarded");
	}
}

static void handle_superseded(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	int64_t ts = now_ns();
	if (s->on_screen) {
		end(t, s, SPAN_ON_SCREEN, ts, NULL);
		s->on_screen = false;
	}
	begin(t, s, SPAN_RELEASE, ts, NULL, 0);
	s->superseded = true;
	count_releases(t, 1, ts);
}

/* The buffer went back to the client, by @how. */
static void released(struct fw_telemetry *t, struct span *s, const char *how,
	int64_t ts) {
	struct trace_json_arg args[] = {
		{.key = "how", .str = how},
		{.key = "point", .num = (int64_t)s->release_point},
	};
	instant(t, s, "release", "released", ts, args,
		s->how == RELEASE_POINT ? 2 : 1);
	flow_step(t, s, s->pid, s->tid, ts, false);
	s->released = true;
}

static void handle_retired(struct fw_commit *commit, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = slot(t, commit);
	if (s == NULL) {
		return;
	}
	int64_t ts = now_ns();
	fw_commit_set_slot(commit, t->sub, NULL);
	end_applied(t, s, ts, "retired");
	if (s->superseded) {
		end(t, s, SPAN_RELEASE, ts, NULL);
		count_releases(t, -1, ts);
	}
	/* The syncobj protocol signals the release point from its own retired
	 * hook, right after this one; the others' events come through the
	 * logger. */
	if (!s->released && s->how == RELEASE_POINT) {
		released(t, s, "timeline point", ts);
	}
	s->retired = true;
	if (s->released) {
		span_free(t, s);
		return;
	}
	if (++t->awaiting > MAX_AWAITING) {
		struct span *old;
		wl_list_for_each(old, &t->spans, link) {
			if (old->retired && !old->released) {
				span_free(t, old);
				break;
			}
		}
	}
}

static const struct fw_commit_hooks hooks = {
	.request = handle_request,
	.held = handle_held,
	.acquired = handle_acquired,
	.applied = handle_applied,
	.presented = handle_presented,
	.discarded = handle_discarded,
	.superseded = handle_superseded,
	.retired = handle_retired,
};

/* ---- what only the wire says ---- */

/* The oldest span still owed a release that @match picks. */
static struct span *find_owed(struct fw_telemetry *t,
	struct wl_client *wl_client, enum release_how how, uint32_t object,
	const struct wl_resource *buffer) {
	struct span *s;
	wl_list_for_each(s, &t->spans, link) {
		if (s->released || s->how != how) {
			continue;
		}
		if (how == RELEASE_OBJECT && s->wl_client == wl_client &&
			s->release_object == object) {
			return s;
		}
		if (how == RELEASE_BUFFER && s->buffer == buffer) {
			return s;
		}
	}
	return NULL;
}

static void owed_released(struct fw_telemetry *t, struct span *s,
	const char *how) {
	released(t, s, how, now_ns());
	if (s->retired) {
		t->awaiting--;
		wl_list_remove(&s->link);
		free(s);
	}
}

static void observe_attach(const struct wl_protocol_logger_message *message,
	void *data) {
	struct fw_telemetry *t = data;
	struct wlr_surface *surface = wlr_surface_from_resource(message->resource);
	struct proc *p;
	struct track *track =
		client_track(t, wl_resource_get_client(message->resource), surface, &p);
	if (track != NULL) {
		track->pending_buffer = (struct wl_resource *)message->arguments[0].o;
	}
}

static void observe_buffer_release(
	const struct wl_protocol_logger_message *message, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = find_owed(t, wl_resource_get_client(message->resource),
		RELEASE_BUFFER, 0, message->resource);
	if (s != NULL) {
		owed_released(t, s, "wl_buffer.release");
	}
}

#ifdef FW_HAVE_EXPLICIT_SYNC
static void observe_set_release_point(
	const struct wl_protocol_logger_message *message, void *data) {
	struct proc *p =
		ensure_process(data, wl_resource_get_client(message->resource));
	if (p != NULL) {
		p->pending_how = RELEASE_POINT;
		p->pending_point =
			(uint64_t)message->arguments[1].u << 32 | message->arguments[2].u;
	}
}

static void observe_get_release(
	const struct wl_protocol_logger_message *message, void *data) {
	struct proc *p =
		ensure_process(data, wl_resource_get_client(message->resource));
	if (p != NULL) {
		p->pending_how = RELEASE_OBJECT;
		p->pending_object = message->arguments[0].n;
	}
}

/* fenced_release and immediate_release. */
static void observe_release_event(
	const struct wl_protocol_logger_message *message, void *data) {
	struct fw_telemetry *t = data;
	struct span *s = find_owed(t, wl_resource_get_client(message->resource),
		RELEASE_OBJECT, wl_resource_get_id(message->resource), NULL);
	if (s != NULL) {
		owed_released(t, s, message->message->name);
	}
}
#endif

static const struct {
	const struct wl_interface *interface;
	enum wl_protocol_logger_type type;
	const char *name;
	fw_protocol_observer_fn fn;
} observed[] = {
	{&wl_surface_interface, WL_PROTOCOL_LOGGER_REQUEST, "attach",
		observe_attach},
	{&wl_buffer_interface, WL_PROTOCOL_LOGGER_EVENT, "release",
		observe_buffer_release},
#ifdef FW_HAVE_EXPLICIT_SYNC
	{&wp_linux_drm_syncobj_surface_v1_interface, WL_PROTOCOL_LOGGER_REQUEST,
		"set_release_point", observe_set_release_point},
	{&zwp_linux_surface_synchronization_v1_interface,
		WL_PROTOCOL_LOGGER_REQUEST, "get_release", observe_get_release},
	{&zwp_linux_buffer_release_v1_interface, WL_PROTOCOL_LOGGER_EVENT,
		"fenced_release", observe_release_event},
	{&zwp_linux_buffer_release_v1_interface, WL_PROTOCOL_LOGGER_EVENT,
		"immediate_release", observe_release_event},
#endif
};

static bool observe(struct fw_telemetry *t) {
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++) {
		if (!fw_protocol_watch_add(t->watch, observed[i].interface,
				observed[i].type, observed[i].name, observed[i].fn, t)) {
			fw_protocol_watch_remove(t->watch, t);
			return false;
		}
	}
	return true;
}

/* ---- life ---- */

struct fw_telemetry *fw_telemetry_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, struct fw_protocol_watch *watch, int fd,
	bool marker) {
	struct fw_telemetry *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	wl_list_init(&t->tracks);
	wl_list_init(&t->spans);
	t->self = getpid();
	t->marker_fd = marker ? fw_trace_marker_open() : -1;
	if (fd >= 0) {
		t->tj = trace_json_create(fd);
		if (t->tj == NULL) {
			wlr_log_errno(WLR_ERROR, "trace: cannot start the file");
			goto fail;
		}
		trace_json_process(t->tj, t->self, "fenceway", 0);
	}
	t->tracker = tracker;
	t->clients = clients;
	t->sub = fw_commit_subscribe(tracker, &hooks, t);
	if (t->sub < 0) {
		wlr_log(WLR_ERROR, "trace: no commit tracker slot left");
		goto fail;
	}
	t->watch = watch;
	if (!observe(t)) {
		wlr_log(WLR_ERROR, "trace: cannot observe the release messages");
		fw_commit_unsubscribe(tracker, t->sub);
		goto fail;
	}
#ifdef FW_HAVE_EXPLICIT_SYNC
	t->main_tid = gettid();
	/* Drained at every held commit and every frame: a few frames' worth
	 * of fence events per thread is plenty. */
	if (fw_trace_enable(4096) < 0) {
		wlr_log(WLR_ERROR, "trace: no fence events (out of memory)");
	}
#endif
	return t;

fail:
	trace_json_destroy(t->tj, now_ns());
	if (t->marker_fd >= 0) {
		close(t->marker_fd);
	}
	free(t);
	return NULL;
}

void fw_telemetry_flush(struct fw_telemetry *telemetry) {
	if (telemetry == NULL) {
		return;
	}
	/* A write(2) per frame would be much of what tracing costs; a crash
	 * loses at most this much of the trace. */
	int64_t now = now_ns();
	if (now - telemetry->flushed_ns < FLUSH_INTERVAL_NS) {
		return;
	}
	telemetry->flushed_ns = now;
#ifdef FW_HAVE_EXPLICIT_SYNC
	/* Keeps the rings from filling between held commits. */
	drain_fences(telemetry);
#endif
	if (telemetry->tj == NULL) {
		return;
	}
	if (!trace_json_flush(telemetry->tj)) {
		wlr_log_errno(WLR_ERROR, "trace: write failed");
	}
}

void fw_telemetry_client_instant(struct fw_telemetry *telemetry,
	struct wl_client *client, struct wlr_surface *surface, const char *cat,
	const char *name, const struct trace_json_arg *args, int nargs) {
	if (telemetry == NULL) {
		return;
	}
	struct proc *p = ensure_process(telemetry, client);
	if (p == NULL) {
		return;
	}
	int tid = 0;
	if (surface != NULL) {
		struct track *track = ensure_track(telemetry, surface, p->pid);
		if (track == NULL) {
			return;
		}
		tid = track->tid;
	}
	int64_t ts = now_ns();
	if (telemetry->tj != NULL) {
		trace_json_instant(telemetry->tj, p->pid, tid, cat, name, ts, args,
			nargs);
	}
	if (telemetry->marker_fd >= 0) {
		char line[160];
		snprintf(line, sizeof(line), "fenceway %s(%d) surface %d: %s",
			p->command, (int)p->pid, tid, name);
		fw_trace_marker_print(telemetry->marker_fd, line);
	}
}

void fw_telemetry_destroy(struct fw_telemetry *telemetry) {
	if (telemetry == NULL) {
		return;
	}
#ifdef FW_HAVE_EXPLICIT_SYNC
	fw_trace_disable();
	if (telemetry->fence_events_dropped > 0) {
		/* Lost events only cost acquire instants their fence's names and
		 * times; say so, since the trace cannot. */
		wlr_log(WLR_INFO, "trace: %" PRIu64 " fence events lost to full rings",
			telemetry->fence_events_dropped);
	}
#endif
	fw_protocol_watch_remove(telemetry->watch, telemetry);
	for (int i = 0; i < telemetry->noutputs; i++) {
		output_track_finish(&telemetry->outputs[i]);
	}
	/* Ends every open span through the hooks the commits still lack. */
	fw_commit_unsubscribe(telemetry->tracker, telemetry->sub);
	struct span *s, *stmp;
	wl_list_for_each_safe(s, stmp, &telemetry->spans, link) {
		wl_list_remove(&s->link);
		free(s);
	}
	struct track *track, *tmp;
	wl_list_for_each_safe(track, tmp, &telemetry->tracks, link) {
		track_destroy(&track->addon);
	}
	trace_json_destroy(telemetry->tj, now_ns());
	if (telemetry->marker_fd >= 0) {
		close(telemetry->marker_fd);
	}
	free(telemetry->procs);
	free(telemetry);
}
