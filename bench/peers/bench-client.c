/*
 * bench/peers/bench-client.c - one Wayland client for every compositor of
 * the peer benchmark (bench/peers/README.md).  Not a test by itself.
 *
 *   bench-client frames [--windows N | --subsurfaces K] [--frames M]
 *       N xdg toplevels (or one toplevel with K synchronized subsurfaces
 *       tiled over it), each committing a new, already drawn buffer on
 *       every frame callback.  Measures the compositor's CPU over M frames
 *       (frame callbacks of the first window).  --feedback also asks for
 *       wp_presentation feedback on the first window and reports commit ->
 *       present.  --hold keeps the windows up afterwards until stdin
 *       closes (the runner takes a screenshot meanwhile).
 *   bench-client unthrottled [--commits C] [--sync P] [--held]
 *       one toplevel committing whenever one of its buffers is free, no
 *       frame callbacks, nothing redrawn: the protocol and commit path.
 *   bench-client pending-fences [--fences F]
 *       F commits whose syncobj acquire point never signals, spread over
 *       toplevels (at most --per-surface each); prints "ready" and stays
 *       connected until killed.
 *
 * --pid PID names the compositor whose CPU is measured: the sum of
 * /proc/PID/task/N/schedstat run times (ns), and utime+stime of
 * /proc/PID/stat as a cross-check.  Prints one line
 *   result key=value ...
 * and exits 0; 2 when the setup failed (wtc_die).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fenceway/sync.h>

#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "bench-client.h"

#define COLOUR 0xff3366cc
#define SUB_GRID 4   /* subsurfaces tile the window SUB_GRID x SUB_GRID */

struct opts {
	const char *mode;
	unsigned windows, subsurfaces;
	int32_t width, height;
	unsigned frames, warmup, commits, fences, per_surface;
	enum bc_sync sync;
	bool held, feedback, hold;
	int pid;
};

struct cpu {
	int64_t run_ns;    /* schedstat, every thread */
	int64_t tick_ns;   /* utime + stime */
};

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct cpu read_cpu(int pid)
{
	struct cpu c = { 0, 0 };
	char path[64];

	if (pid <= 0)
		return c;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		wtc_die("%s: %s", path, strerror(errno));
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		char p[384];
		snprintf(p, sizeof(p), "%s/%s/schedstat", path, de->d_name);
		FILE *f = fopen(p, "r");
		long long ns;
		if (f && fscanf(f, "%lld", &ns) == 1)
			c.run_ns += ns;
		if (f)
			fclose(f);
	}
	closedir(dir);

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&ut, &st) == 2)
		c.tick_ns = (int64_t)(ut + st) * (1000000000 / sysconf(_SC_CLK_TCK));
	return c;
}

/* Flush, then read and dispatch whatever arrives within @timeout_ms
 * (-1: block until something does). */
static void pump(struct wtc_conn *conn, int timeout_ms)
{
	struct wl_display *d = conn->display;

	while (wl_display_prepare_read(d) != 0)
		wl_display_dispatch_pending(d);
	if (wl_display_flush(d) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(d);
		wtc_die("connection lost: %s", strerror(errno));
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(d), .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) > 0) {
		if (wl_display_read_events(d) < 0)
			wtc_die("connection lost: %s", strerror(errno));
	} else {
		wl_display_cancel_read(d);
	}
	if (wl_display_dispatch_pending(d) < 0)
		wtc_die("connection lost: protocol error %u",
			wl_display_get_error(d));
}

/* A free buffer of @s, waiting for one if all are in use.  Releases that
 * travel on a fence (syncobj points, fenced_release) need no event: the
 * wait blocks on that fence in short slices, reading the connection in
 * between, so the client wakes when the release signals (as it does for
 * an event), not at the end of a sleep. */
static struct bc_buffer *wait_buffer(struct bc_surface *s)
{
	struct bc_buffer *b;
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 10 * 1000000000LL;

	while (!(b = bc_surface_free_buffer(s))) {
		if (now_ns(CLOCK_MONOTONIC) > deadline)
			wtc_die("no buffer released within 10 s");
		pump(s->conn, s->sync == BC_SYNC_NONE ? 100 : 0);
		if (s->sync != BC_SYNC_NONE && !bc_surface_free_buffer(s) &&
		    !bc_surface_wait_release(s, 1000000))
			pump(s->conn, 1);
	}
	return b;
}

/* ---- windows ---- */

struct window {
	struct wtc_toplevel tl;
	struct bc_surface surf;
	struct wl_surface *sub_wl[SUB_GRID * SUB_GRID];
	struct wl_subsurface *sub[SUB_GRID * SUB_GRID];
	struct bc_surface subs[SUB_GRID * SUB_GRID];
	unsigned nsubs;
	int done;                 /* frame callbacks received */
	struct wl_callback *frame;  /* outstanding frame callback */
};

struct feedback {
	struct client *c;
	struct wp_presentation_feedback *obj;   /* NULL once resolved */
	int64_t commit_ns;
};

struct client {
	struct wtc_conn conn;
	struct bc_globals globals;
	struct opts o;
	struct window *windows;
	unsigned nwindows;
	/* --feedback: commit -> present of the reference window, one slot
	 * per measured frame */
	struct feedback *feedback;
	int64_t *latency_ns;
	unsigned nfeedback, nlatency, cap;
};

static void window_init(struct client *c, struct window *w, unsigned subs,
			int32_t width, int32_t height)
{
	char title[32];

	snprintf(title, sizeof(title), "bench %u", (unsigned)(w - c->windows));
	wtc_toplevel_init(&w->tl, &c->conn, title);
	wtc_toplevel_configure(&w->tl);
	bc_surface_init(&w->surf, &c->conn, &c->globals, w->tl.surface, width,
			height, COLOUR, c->o.sync, c->o.held);
	if (subs && !c->conn.subcompositor)
		wtc_die("no wl_subcompositor");
	int32_t tw = width / SUB_GRID, th = height / SUB_GRID;
	for (unsigned i = 0; i < subs; i++) {
		/* Tile 0 stays the parent's own. */
		unsigned slot = i + 1;

		w->sub_wl[i] = wl_compositor_create_surface(c->conn.compositor);
		w->sub[i] = wl_subcompositor_get_subsurface(c->conn.subcompositor,
			w->sub_wl[i], w->tl.surface);
		wl_subsurface_set_sync(w->sub[i]);
		wl_subsurface_set_position(w->sub[i], (int32_t)(slot % SUB_GRID) * tw,
					   (int32_t)(slot / SUB_GRID) * th);
		bc_surface_init(&w->subs[i], &c->conn, &c->globals, w->sub_wl[i],
				tw, th, COLOUR, c->o.sync, c->o.held);
	}
	w->nsubs = subs;
}

static void window_finish(struct window *w)
{
	if (w->frame)
		wl_callback_destroy(w->frame);
	for (unsigned i = 0; i < w->nsubs; i++) {
		bc_surface_finish(&w->subs[i]);
		wl_subsurface_destroy(w->sub[i]);
		wl_surface_destroy(w->sub_wl[i]);
	}
	bc_surface_finish(&w->surf);
	wtc_toplevel_finish(&w->tl);
}

static void fb_sync_output(void *data, struct wp_presentation_feedback *obj,
			   struct wl_output *output)
{
}

static void fb_presented(void *data, struct wp_presentation_feedback *obj,
			 uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec,
			 uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo,
			 uint32_t flags)
{
	struct feedback *fb = data;
	struct client *c = fb->c;
	int64_t t = (int64_t)(((uint64_t)sec_hi << 32) | sec_lo) * 1000000000 + nsec;

	c->latency_ns[c->nlatency++] = t - fb->commit_ns;
	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static void fb_discarded(void *data, struct wp_presentation_feedback *obj)
{
	struct feedback *fb = data;

	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static const struct wp_presentation_feedback_listener fb_listener = {
	.sync_output = fb_sync_output,
	.presented = fb_presented,
	.discarded = fb_discarded,
};

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct window *w = data;

	w->done++;
	w->frame = NULL;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* One frame of @w: every subsurface commits (cached: they are
 * synchronized), then the parent applies them all with its own commit. */
static void window_commit(struct client *c, struct window *w, bool feedback)
{
	for (unsigned i = 0; i < w->nsubs; i++) {
		bc_surface_attach(&w->subs[i], wait_buffer(&w->subs[i]));
		wl_surface_commit(w->sub_wl[i]);
	}
	bc_surface_attach(&w->surf, wait_buffer(&w->surf));
	w->frame = wl_surface_frame(w->tl.surface);
	wl_callback_add_listener(w->frame, &frame_listener, w);
	if (feedback && c->nfeedback < c->cap) {
		struct feedback *fb = &c->feedback[c->nfeedback++];

		fb->c = c;
		fb->commit_ns = now_ns((clockid_t)c->conn.clock_id);
		fb->obj = wp_presentation_feedback(c->conn.presentation, w->tl.surface);
		wp_presentation_feedback_add_listener(fb->obj, &fb_listener, fb);
	}
	wl_surface_commit(w->tl.surface);
}

/* Keep the windows up, answering the compositor, until stdin closes. */
static void hold(struct client *c)
{
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = wl_display_get_fd(c->conn.display), .events = POLLIN },
	};

	for (;;) {
		wl_display_flush(c->conn.display);
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			wtc_die("poll: %s", strerror(errno));
		if (pfd[0].revents)
			return;
		if (pfd[1].revents && wl_display_dispatch(c->conn.display) < 0)
			wtc_die("connection lost");
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_cpu(struct cpu a, struct cpu b)
{
	printf(" cpu_ns=%" PRId64 " cpu_tick_ns=%" PRId64, b.run_ns - a.run_ns,
	       b.tick_ns - a.tick_ns);
}

static void run_frames(struct client *c)
{
	unsigned n = c->o.subsurfaces ? 1 : c->o.windows;

	c->windows = calloc(n, sizeof(*c->windows));
	if (!c->windows)
		wtc_die("out of memory");
	c->nwindows = n;
	for (unsigned i = 0; i < n; i++)
		window_init(c, &c->windows[i], c->o.subsurfaces, c->o.width, c->o.height);
	/* Frames are counted on the newest window: the one on top where a
	 * compositor stacks windows (cage calls back only visible ones). */
	struct window *ref = &c->windows[n - 1];
	if (c->o.feedback) {
		if (!c->conn.presentation || !c->conn.have_clock)
			wtc_die("no wp_presentation");
		c->cap = c->o.frames;
		c->feedback = calloc(c->cap, sizeof(*c->feedback));
		c->latency_ns = calloc(c->cap, sizeof(int64_t));
		if (!c->feedback || !c->latency_ns)
			wtc_die("out of memory");
	}

	struct cpu start = { 0, 0 };
	int64_t t0 = 0;
	int start_done = -1;
	for (;;) {
		if (start_done < 0 && ref->done >= (int)c->o.warmup) {
			start_done = ref->done;
			start = read_cpu(c->o.pid);
			t0 = now_ns(CLOCK_MONOTONIC);
		}
		if (start_done >= 0 && ref->done - start_done >= (int)c->o.frames)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct window *w = &c->windows[i];
			if (!w->frame)
				window_commit(c, w, start_done >= 0 && c->o.feedback &&
					      w == ref);
		}
		pump(&c->conn, -1);
	}
	struct cpu end = read_cpu(c->o.pid);
	int64_t t1 = now_ns(CLOCK_MONOTONIC);

	/* Let the last feedback resolve (bounded: a lost one is counted
	 * out, not waited for). */
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 2000000000LL;
	for (unsigned i = 0; i < c->nfeedback && now_ns(CLOCK_MONOTONIC) < deadline; )
		if (c->feedback[i].obj)
			pump(&c->conn, 50);
		else
			i++;
	for (unsigned i = 0; i < c->nfeedback; i++)
		if (c->feedback[i].obj)
			wp_presentation_feedback_destroy(c->feedback[i].obj);

	/* The client's total surface area, for the composited-area figure. */
	long long area = 0;
	for (unsigned i = 0; i < n; i++) {
		struct window *w = &c->windows[i];
		area += (long long)w->surf.width * w->surf.height;
		for (unsigned j = 0; j < w->nsubs; j++)
			area += (long long)w->subs[j].width * w->subs[j].height;
	}
	printf("result mode=frames windows=%u subsurfaces=%u area=%lld frames=%d seconds=%.3f",
	       n, c->o.subsurfaces, area, ref->done - start_done, (double)(t1 - t0) / 1e9);
	print_cpu(start, end);
	if (c->o.feedback) {
		qsort(c->latency_ns, c->nlatency, sizeof(int64_t), cmp_i64);
		printf(" latency_n=%u", c->nlatency);
		if (c->nlatency)
			printf(" latency_p50_us=%.1f latency_p90_us=%.1f",
			       c->latency_ns[c->nlatency / 2] / 1e3,
			       c->latency_ns[c->nlatency * 9 / 10] / 1e3);
	}
	printf("\n");
	fflush(stdout);
	if (c->o.hold)
		hold(c);
}

static void run_unthrottled(struct client *c)
{
	c->windows = calloc(1, sizeof(*c->windows));
	if (!c->windows)
		wtc_die("out of memory");
	c->nwindows = 1;
	struct window *w = &c->windows[0];
	window_init(c, w, 0, c->o.width, c->o.height);

	struct cpu start = { 0, 0 };
	int64_t t0 = 0;
	unsigned total = c->o.warmup + c->o.commits;
	for (unsigned i = 0; i < total; i++) {
		if (i == c->o.warmup) {
			wl_display_roundtrip(c->conn.display);
			start = read_cpu(c->o.pid);
			t0 = now_ns(CLOCK_MONOTONIC);
		}
		bc_surface_attach(&w->surf, wait_buffer(&w->surf));
		wl_surface_commit(w->tl.surface);
		/* Read what came back without waiting for anything. */
		pump(&c->conn, 0);
	}
	/* Every commit handled by the compositor before the clock stops. */
	if (wl_display_roundtrip(c->conn.display) < 0)
		wtc_die("connection lost");
	struct cpu end = read_cpu(c->o.pid);
	int64_t t1 = now_ns(CLOCK_MONOTONIC);

	printf("result mode=unthrottled sync=%d held=%d commits=%u seconds=%.3f",
	       (int)c->o.sync, c->o.held, c->o.commits, (double)(t1 - t0) / 1e9);
	print_cpu(start, end);
	printf("\n");
	fflush(stdout);
}

static void run_pending_fences(struct client *c)
{
	unsigned per = c->o.per_surface;
	unsigned n = (c->o.fences + per - 1) / per;

	c->o.sync = BC_SYNC_SYNCOBJ;
	c->windows = calloc(n, sizeof(*c->windows));
	if (!c->windows)
		wtc_die("out of memory");
	c->nwindows = n;
	unsigned left = c->o.fences;
	for (unsigned i = 0; i < n; i++) {
		struct window *w = &c->windows[i];

		window_init(c, w, 0, 64, 64);
		/* Mapped with a frame whose acquire has signalled ... */
		bc_surface_attach(&w->surf, wait_buffer(&w->surf));
		wl_surface_commit(w->tl.surface);
		/* ... then commits that wait for ever. */
		unsigned k = left < per ? left : per;
		for (unsigned j = 0; j < k; j++) {
			bc_surface_attach_pending(&w->surf, &w->surf.buffers[j % BC_BUFFERS]);
			wl_surface_commit(w->tl.surface);
		}
		left -= k;
		if (wl_display_roundtrip(c->conn.display) < 0)
			wtc_die("connection lost: protocol error %u",
				wl_display_get_error(c->conn.display));
	}
	printf("ready fences=%u surfaces=%u\n", c->o.fences, n);
	fflush(stdout);
	/* Stay until killed; answer pings meanwhile. */
	for (;;)
		if (wl_display_dispatch(c->conn.display) < 0)
			wtc_die("connection lost");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-client frames|unthrottled|pending-fences [options]\n"
		"  --pid PID          compositor whose CPU is measured\n"
		"  --windows N        frames: N toplevels (default 1)\n"
		"  --subsurfaces K    frames: one toplevel with K sync subsurfaces (K < %d)\n"
		"  --size WxH         buffer size (default 512x512)\n"
		"  --frames M         frames measured (default 600)\n"
		"  --warmup W         frames or commits before measuring (default 60)\n"
		"  --commits C        unthrottled: commits measured (default 20000)\n"
		"  --sync none|syncobj|syncfile  explicit sync of every commit\n"
		"  --held             acquire signalled only with the next commit\n"
		"  --feedback         frames: commit -> present of the first window\n"
		"  --fences F         pending-fences: how many (default 1000)\n"
		"  --per-surface P    pending-fences: at most P per toplevel (default 50)\n"
		"  --hold             frames: after the result, keep the windows up\n"
		"                     until stdin closes (for a screenshot)\n",
		SUB_GRID * SUB_GRID);
	exit(2);
}

static unsigned num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 10000000)
		usage();
	return (unsigned)v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "windows", required_argument, NULL, 'w' },
		{ "subsurfaces", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'f' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "commits", required_argument, NULL, 'c' },
		{ "sync", required_argument, NULL, 'y' },
		{ "held", no_argument, NULL, 'H' },
		{ "feedback", no_argument, NULL, 'F' },
		{ "fences", required_argument, NULL, 'n' },
		{ "per-surface", required_argument, NULL, 'P' },
		{ "hold", no_argument, NULL, 'h' },
		{ 0 }
	};
	int ch;

	*o = (struct opts){ .windows = 1, .width = 512, .height = 512,
			    .frames = 600, .warmup = 60, .commits = 20000,
			    .fences = 1000, .per_surface = 50 };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->pid = (int)num(optarg); break;
		case 'w': o->windows = num(optarg); break;
		case 'k': o->subsurfaces = num(optarg); break;
		case 's':
			if (sscanf(optarg, "%dx%d", &o->width, &o->height) != 2 ||
			    o->width < SUB_GRID || o->height < SUB_GRID)
				usage();
			break;
		case 'f': o->frames = num(optarg); break;
		case 'W': o->warmup = num(optarg); break;
		case 'c': o->commits = num(optarg); break;
		case 'y':
			if (strcmp(optarg, "none") == 0)
				o->sync = BC_SYNC_NONE;
			else if (strcmp(optarg, "syncobj") == 0)
				o->sync = BC_SYNC_SYNCOBJ;
			else if (strcmp(optarg, "syncfile") == 0)
				o->sync = BC_SYNC_SYNCFILE;
			else
				usage();
			break;
		case 'H': o->held = true; break;
		case 'F': o->feedback = true; break;
		case 'n': o->fences = num(optarg); break;
		case 'P': o->per_surface = num(optarg); break;
		case 'h': o->hold = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || o->windows == 0 || o->frames == 0 ||
	    o->subsurfaces >= SUB_GRID * SUB_GRID || o->per_surface == 0 ||
	    o->fences == 0 || o->commits == 0)
		usage();
	o->mode = argv[optind];
}

int main(int argc, char **argv)
{
	struct client c = { 0 };

	parse(argc, argv, &c.o);
	c.conn.other_global = bc_bind_global;
	c.conn.data = &c.globals;
	wtc_connect(&c.conn);

	if (strcmp(c.o.mode, "frames") == 0)
		run_frames(&c);
	else if (strcmp(c.o.mode, "unthrottled") == 0)
		run_unthrottled(&c);
	else if (strcmp(c.o.mode, "pending-fences") == 0)
		run_pending_fences(&c);
	else
		usage();

	for (unsigned i = 0; i < c.nwindows; i++)
		window_finish(&c.windows[i]);
	free(c.windows);
	free(c.feedback);
	free(c.latency_ns);
	if (c.globals.syncobj)
		wp_linux_drm_syncobj_manager_v1_destroy(c.globals.syncobj);
	if (c.globals.explicit_sync)
		zwp_linux_explicit_synchronization_v1_destroy(c.globals.explicit_sync);
	wtc_disconnect(&c.conn);
	return 0;
}
