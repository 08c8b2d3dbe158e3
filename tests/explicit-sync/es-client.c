/*
 * Test client helpers (es-client.h): the plumbing every explicit-sync
 * scenario shares.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fenceway/libsync.h>
#include <fenceway/timeline.h>
#include "es-client.h"

static int64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- globals ---- */

/* The explicit-sync globals; wl-test-client binds the core ones. */
static void bind_explicit_sync(struct wtc_conn *wl, uint32_t name,
		const char *interface, uint32_t version) {
	struct es_conn *c = wl->data;
	if (strcmp(interface,
			wp_linux_drm_syncobj_manager_v1_interface.name) == 0) {
		c->syncobj = wl_registry_bind(wl->registry, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
	} else if (strcmp(interface,
			zwp_linux_explicit_synchronization_v1_interface.name) == 0) {
		c->sync_v1_version = version < 2 ? version : 2;
		c->sync_v1 = wl_registry_bind(wl->registry, name,
			&zwp_linux_explicit_synchronization_v1_interface,
			c->sync_v1_version);
	}
}

struct es_conn *es_connect(void) {
	struct es_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wtc_die("out of memory");
	}
	c->wl.other_global = bind_explicit_sync;
	c->wl.data = c;
	wtc_connect(&c->wl);
	if (c->wl.subcompositor == NULL) {
		wtc_die("core globals missing");
	}
	if (c->syncobj == NULL || c->sync_v1 == NULL) {
		wtc_die("explicit-sync globals missing");
	}
	return c;
}

/* Any error on the connection fails the scenario (status 1): the
 * compositor refused what must be accepted, or went away. */
static void check_display(struct es_conn *c) {
	if (wl_display_get_error(c->wl.display) != 0) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(c->wl.display,
			&iface, &id);
		fprintf(stderr, "es-client: unexpected error: %s@%u code %u (%s)\n",
			iface != NULL ? iface->name : "?", id, code,
			strerror(wl_display_get_error(c->wl.display)));
		exit(1);
	}
}

void es_roundtrip(struct es_conn *c) {
	wl_display_roundtrip(c->wl.display);
	check_display(c);
}

void es_expect_no_error(struct es_conn *c) {
	es_roundtrip(c);
	es_roundtrip(c);
}

int es_pass(struct es_conn *c) {
	es_expect_no_error(c);
	printf("PASS\n");
	return 0;
}

void es_expect_error(struct es_conn *c, const struct wl_interface *iface,
		uint32_t id, uint32_t code) {
	/* The error may take a few requests to surface; two roundtrips is
	 * plenty (the compositor handles requests in order). */
	int ret = wl_display_roundtrip(c->wl.display);
	if (ret >= 0) {
		ret = wl_display_roundtrip(c->wl.display);
	}
	if (ret >= 0) {
		printf("FAIL: no error; expected %s@%u code %u\n", iface->name, id, code);
		exit(1);
	}
	int err = wl_display_get_error(c->wl.display);
	const struct wl_interface *got_iface = NULL;
	uint32_t got_id = 0;
	uint32_t got_code = wl_display_get_protocol_error(c->wl.display,
		&got_iface, &got_id);
	printf("error: %s@%u code %u (errno %d)\n",
		got_iface != NULL ? got_iface->name : "(none)", got_id, got_code, err);
	if (err != EPROTO || got_iface == NULL ||
			strcmp(got_iface->name, iface->name) != 0 ||
			got_id != id || got_code != code) {
		printf("FAIL: expected %s@%u code %u\n", iface->name, id, code);
		exit(1);
	}
	printf("PASS\n");
	exit(0);
}

/* ---- windows and buffers ---- */

static struct wtc_toplevel *window_create(struct es_conn *c, const char *title,
		bool fullscreen) {
	struct wtc_toplevel *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		wtc_die("out of memory");
	}
	wtc_toplevel_init(w, &c->wl, title);
	xdg_toplevel_set_app_id(w->toplevel, "fw-es-client");
	if (fullscreen) {
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	}
	wtc_toplevel_configure(w);
	return w;
}

struct wtc_toplevel *es_window_create(struct es_conn *c, const char *title) {
	return window_create(c, title, false);
}

struct wtc_toplevel *es_window_create_fullscreen(struct es_conn *c,
		const char *title) {
	struct wtc_toplevel *w = window_create(c, title, true);
	/* fenceway makes a toplevel fullscreen when it maps: map it with a
	 * small plain buffer, then the configure brings the output's size. */
	for (int i = 0; i < 100 && (w->width <= 0 || w->height <= 0); i++) {
		if (i == 0) {
			es_attach(w->surface, es_buffer(c, 16, 16, ES_WHITE));
			wl_surface_commit(w->surface);
		}
		es_roundtrip(c);
	}
	if (w->width <= 0 || w->height <= 0) {
		wtc_die("fullscreen configure without a size");
	}
	return w;
}

struct wl_buffer *es_buffer(struct es_conn *c, int w, int h,
		uint32_t colour) {
	return wtc_shm_buffer(&c->wl, w, h, colour);
}

void es_attach(struct wl_surface *surface, struct wl_buffer *buffer) {
	wl_surface_attach(surface, buffer, 0, 0);
	if (buffer != NULL) {
		wl_surface_damage_buffer(surface, 0, 0, INT32_MAX, INT32_MAX);
	}
}

/* ---- frame callbacks and feedback ---- */

void es_request_frame(struct wl_surface *surface, struct es_frame *frame) {
	wtc_request_frame(surface, &frame->done);
}

bool es_commit_shown(struct es_conn *c, struct wl_surface *surface,
		struct wl_buffer *buffer) {
	struct es_frame frame = {0};
	es_attach(surface, buffer);
	es_request_frame(surface, &frame);
	wl_surface_commit(surface);
	return es_wait_count(c, &frame.done, 1, ES_WAIT_MS);
}

void es_request_feedback(struct es_conn *c, struct wl_surface *surface,
		struct wtc_feedback *feedback) {
	wtc_request_feedback(&c->wl, surface, feedback);
}

/* ---- dispatching ---- */

/* Read and dispatch events, waiting at most timeout_ms for some to come. */
static void dispatch_once(struct es_conn *c, int timeout_ms) {
	while (wl_display_prepare_read(c->wl.display) != 0) {
		wl_display_dispatch_pending(c->wl.display);
	}
	wl_display_flush(c->wl.display);
	struct pollfd pfd = {
		.fd = wl_display_get_fd(c->wl.display),
		.events = POLLIN,
	};
	int ret = poll(&pfd, 1, timeout_ms);
	if (ret > 0) {
		wl_display_read_events(c->wl.display);
	} else {
		wl_display_cancel_read(c->wl.display);
	}
	wl_display_dispatch_pending(c->wl.display);
	check_display(c);
}

void es_dispatch_pending(struct es_conn *c) {
	dispatch_once(c, 0);
}

/* One step of a bounded wait: false once deadline (now_ms) has passed,
 * else dispatch, waiting at most step_ms so the caller's condition is
 * checked again soon (some are polled, not told by an event). */
static bool dispatch_before(struct es_conn *c, int64_t deadline, int step_ms) {
	int64_t left = deadline - now_ms();
	if (left <= 0) {
		return false;
	}
	dispatch_once(c, (int)(left < step_ms ? left : step_ms));
	return true;
}

bool es_wait_count(struct es_conn *c, const int *counter, int target,
		int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (*counter < target) {
		if (!dispatch_before(c, deadline, 100)) {
			return false;
		}
	}
	return true;
}

bool es_wait_feedback(struct es_conn *c, struct wtc_feedback *fb,
		int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (fb->presented + fb->discarded == 0) {
		if (!dispatch_before(c, deadline, 100)) {
			return false;
		}
	}
	return true;
}

bool es_wait_timeline(struct es_conn *c, struct es_timeline *tl,
		uint64_t point, int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (es_timeline_value(tl) < point) {
		if (!dispatch_before(c, deadline, 20)) {
			return false;
		}
	}
	return true;
}

/* ---- timelines ---- */

struct es_timeline *es_timeline_new(struct es_conn *c, const char *name) {
	struct es_timeline *tl = calloc(1, sizeof(*tl));
	if (tl == NULL) {
		wtc_die("out of memory");
	}
	int ret = fw_timeline_create(name, &tl->timeline);
	if (ret < 0) {
		wtc_die("fw_timeline_create: %s", strerror(-ret));
	}
	int fd = fw_timeline_export_fd(tl->timeline);
	if (fd < 0) {
		wtc_die("fw_timeline_export_fd: %s", strerror(-fd));
	}
	tl->obj = wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj, fd);
	close(fd);
	return tl;
}

uint64_t es_timeline_value(struct es_timeline *tl) {
	uint64_t value = 0;
	int ret = fw_timeline_query(tl->timeline, &value);
	if (ret < 0) {
		wtc_die("fw_timeline_query: %s", strerror(-ret));
	}
	return value;
}

void es_timeline_signal(struct es_timeline *tl, uint64_t point) {
	int ret = fw_timeline_signal(tl->timeline, point);
	if (ret < 0) {
		wtc_die("fw_timeline_signal: %s", strerror(-ret));
	}
}

void es_set_acquire(struct wp_linux_drm_syncobj_surface_v1 *obj,
		struct es_timeline *tl, uint64_t point) {
	wp_linux_drm_syncobj_surface_v1_set_acquire_point(obj, tl->obj,
		(uint32_t)(point >> 32), (uint32_t)point);
}

void es_set_release(struct wp_linux_drm_syncobj_surface_v1 *obj,
		struct es_timeline *tl, uint64_t point) {
	wp_linux_drm_syncobj_surface_v1_set_release_point(obj, tl->obj,
		(uint32_t)(point >> 32), (uint32_t)point);
}

/* ---- sync v1 fences and releases ---- */

int es_pending_fence(int *timeline, const char *name) {
	*timeline = sw_sync_timeline_create();
	if (*timeline < 0) {
		wtc_die("sw_sync_timeline_create: %s", strerror(errno));
	}
	int fence = sw_sync_fence_create(*timeline, name, 1);
	if (fence < 0) {
		wtc_die("sw_sync_fence_create: %s", strerror(errno));
	}
	return fence;
}

int es_signalled_fence(const char *name) {
	int tl;
	int fence = es_pending_fence(&tl, name);
	sw_sync_timeline_inc(tl, 1);
	/* The fence stays valid: it has signalled and carries its status. */
	sw_sync_timeline_destroy(tl);
	return fence;
}

static void release_fenced(void *data,
		struct zwp_linux_buffer_release_v1 *obj, int32_t fd) {
	struct es_release *r = data;
	r->fenced++;
	if (r->fence_fd >= 0) {
		close(r->fence_fd);
	}
	r->fence_fd = fd;
	zwp_linux_buffer_release_v1_destroy(obj);
}

static void release_immediate(void *data,
		struct zwp_linux_buffer_release_v1 *obj) {
	struct es_release *r = data;
	r->immediate++;
	zwp_linux_buffer_release_v1_destroy(obj);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = release_fenced,
	.immediate_release = release_immediate,
};

void es_get_release(struct zwp_linux_surface_synchronization_v1 *sync,
		struct es_release *r) {
	memset(r, 0, sizeof(*r));
	r->fence_fd = -1;
	r->obj = zwp_linux_surface_synchronization_v1_get_release(sync);
	zwp_linux_buffer_release_v1_add_listener(r->obj, &release_listener, r);
}

/* ---- grim ---- */

long es_capture_count(uint32_t colour) {
	char path[] = "/tmp/fw-es-capture-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		wtc_die("mkstemp: %s", strerror(errno));
	}
	close(fd);
	pid_t pid = fork();
	if (pid < 0) {
		wtc_die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		execlp("grim", "grim", "-t", "ppm", path, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		wtc_die("grim failed (status %d)", status);
	}
	FILE *f = fopen(path, "rb");
	unlink(path);
	if (f == NULL) {
		wtc_die("grim output: %s", strerror(errno));
	}
	int width = 0, height = 0, maxval = 0;
	if (fscanf(f, "P6 %d %d %d", &width, &height, &maxval) != 3 ||
			maxval != 255 || fgetc(f) == EOF) {
		wtc_die("grim output is not a binary PPM");
	}
	uint8_t want_r = (colour >> 16) & 0xff, want_g = (colour >> 8) & 0xff,
		want_b = colour & 0xff;
	long count = 0;
	uint8_t px[3];
	for (long i = 0; i < (long)width * height; i++) {
		if (fread(px, 1, 3, f) != 3) {
			wtc_die("grim output truncated");
		}
		if (px[0] == want_r && px[1] == want_g && px[2] == want_b) {
			count++;
		}
	}
	fclose(f);
	return count;
}
