/*
 * Test client helpers (es-client.h): the plumbing every explicit-sync
 * scenario shares.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fenceway/timeline.h>
#include "es-client.h"

void es_die(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "es-client: setup failed: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static int64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- globals ---- */

static void wm_base_ping(void *data, struct xdg_wm_base *wm, uint32_t serial) {
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void registry_global(void *data, struct wl_registry *registry,
		uint32_t name, const char *interface, uint32_t version) {
	struct es_conn *c = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name,
			&wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_subcompositor_interface.name) == 0) {
		c->subcompositor = wl_registry_bind(registry, name,
			&wl_subcompositor_interface, 1);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		c->presentation = wl_registry_bind(registry, name,
			&wp_presentation_interface, 1);
	} else if (strcmp(interface,
			wp_linux_drm_syncobj_manager_v1_interface.name) == 0) {
		c->syncobj = wl_registry_bind(registry, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
	} else if (strcmp(interface,
			zwp_linux_explicit_synchronization_v1_interface.name) == 0) {
		c->sync_v1_version = version < 2 ? version : 2;
		c->sync_v1 = wl_registry_bind(registry, name,
			&zwp_linux_explicit_synchronization_v1_interface,
			c->sync_v1_version);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry,
		uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

struct es_conn *es_connect(void) {
	struct es_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		es_die("out of memory");
	}
	c->display = wl_display_connect(NULL);
	if (c->display == NULL) {
		es_die("cannot connect to the compositor");
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	es_roundtrip(c);
	if (c->compositor == NULL || c->shm == NULL || c->wm_base == NULL ||
			c->subcompositor == NULL) {
		es_die("core globals missing");
	}
	if (c->syncobj == NULL || c->sync_v1 == NULL) {
		es_die("explicit-sync globals missing");
	}
	return c;
}

void es_roundtrip(struct es_conn *c) {
	if (wl_display_roundtrip(c->display) < 0) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(c->display, &iface, &id);
		fprintf(stderr, "es-client: unexpected error: %s@%u code %u (%s)\n",
			iface != NULL ? iface->name : "?", id, code,
			strerror(wl_display_get_error(c->display)));
		exit(1);
	}
}

void es_expect_no_error(struct es_conn *c) {
	es_roundtrip(c);
	es_roundtrip(c);
}

void es_expect_error(struct es_conn *c, const struct wl_interface *iface,
		uint32_t id, uint32_t code) {
	/* The error may take a few requests to surface; two roundtrips is
	 * plenty (the compositor handles requests in order). */
	int ret = wl_display_roundtrip(c->display);
	if (ret >= 0) {
		ret = wl_display_roundtrip(c->display);
	}
	if (ret >= 0) {
		printf("FAIL: no error; expected %s@%u code %u\n", iface->name, id, code);
		exit(1);
	}
	int err = wl_display_get_error(c->display);
	const struct wl_interface *got_iface = NULL;
	uint32_t got_id = 0;
	uint32_t got_code = wl_display_get_protocol_error(c->display, &got_iface,
		&got_id);
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

static void xdg_surface_configure(void *data, struct xdg_surface *xs,
		uint32_t serial) {
	struct es_window *w = data;
	xdg_surface_ack_configure(xs, serial);
	w->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *t,
		int32_t width, int32_t height, struct wl_array *states) {
	struct es_window *w = data;
	w->width = width;
	w->height = height;
}

static void toplevel_close(void *data, struct xdg_toplevel *t) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static struct es_window *window_create(struct es_conn *c, const char *title,
		bool fullscreen) {
	struct es_window *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		es_die("out of memory");
	}
	w->conn = c;
	w->surface = wl_compositor_create_surface(c->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, title);
	xdg_toplevel_set_app_id(w->toplevel, "fw-es-client");
	if (fullscreen) {
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	}
	wl_surface_commit(w->surface);
	while (!w->configured) {
		es_roundtrip(c);
	}
	return w;
}

struct es_window *es_window_create(struct es_conn *c, const char *title) {
	return window_create(c, title, false);
}

struct es_window *es_window_create_fullscreen(struct es_conn *c,
		const char *title) {
	struct es_window *w = window_create(c, title, true);
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
		es_die("fullscreen configure without a size");
	}
	return w;
}

struct wl_buffer *es_buffer(struct es_conn *c, int w, int h,
		uint32_t colour) {
	size_t size = (size_t)w * (size_t)h * 4;
	int fd = memfd_create("fw-es-buffer", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		es_die("memfd: %s", strerror(errno));
	}
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		es_die("mmap: %s", strerror(errno));
	}
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		px[i] = colour;
	}
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4,
		WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}

static void buffer_release(void *data, struct wl_buffer *buffer) {
	int *count = data;
	(*count)++;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

void es_count_buffer_releases(struct wl_buffer *buffer, int *count) {
	wl_buffer_add_listener(buffer, &buffer_listener, count);
}

void es_attach(struct wl_surface *surface, struct wl_buffer *buffer) {
	wl_surface_attach(surface, buffer, 0, 0);
	if (buffer != NULL) {
		wl_surface_damage_buffer(surface, 0, 0, INT32_MAX, INT32_MAX);
	}
}

/* ---- frame callbacks and feedback ---- */

static void frame_done(void *data, struct wl_callback *cb, uint32_t time) {
	struct es_frame *frame = data;
	frame->done++;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

void es_request_frame(struct wl_surface *surface, struct es_frame *frame) {
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, frame);
}

static void feedback_sync_output(void *data,
		struct wp_presentation_feedback *fb, struct wl_output *output) {
}

static void feedback_presented(void *data, struct wp_presentation_feedback *fb,
		uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec,
		uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo, uint32_t flags) {
	struct es_feedback *feedback = data;
	feedback->presented++;
	wp_presentation_feedback_destroy(fb);
}

static void feedback_discarded(void *data,
		struct wp_presentation_feedback *fb) {
	struct es_feedback *feedback = data;
	feedback->discarded++;
	wp_presentation_feedback_destroy(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

void es_request_feedback(struct es_conn *c, struct wl_surface *surface,
		struct es_feedback *feedback) {
	if (c->presentation == NULL) {
		es_die("no wp_presentation");
	}
	struct wp_presentation_feedback *fb =
		wp_presentation_feedback(c->presentation, surface);
	wp_presentation_feedback_add_listener(fb, &feedback_listener, feedback);
}

/* ---- dispatching ---- */

static void check_display(struct es_conn *c) {
	if (wl_display_get_error(c->display) != 0) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(c->display, &iface, &id);
		fprintf(stderr, "es-client: connection error: %s@%u code %u (%s)\n",
			iface != NULL ? iface->name : "?", id, code,
			strerror(wl_display_get_error(c->display)));
		exit(1);
	}
}

/* Read and dispatch events, waiting at most timeout_ms for some to come. */
static void dispatch_once(struct es_conn *c, int timeout_ms) {
	while (wl_display_prepare_read(c->display) != 0) {
		wl_display_dispatch_pending(c->display);
	}
	wl_display_flush(c->display);
	struct pollfd pfd = {
		.fd = wl_display_get_fd(c->display),
		.events = POLLIN,
	};
	int ret = poll(&pfd, 1, timeout_ms);
	if (ret > 0) {
		wl_display_read_events(c->display);
	} else {
		wl_display_cancel_read(c->display);
	}
	wl_display_dispatch_pending(c->display);
	check_display(c);
}

void es_dispatch_pending(struct es_conn *c) {
	dispatch_once(c, 0);
}

bool es_wait_count(struct es_conn *c, const int *counter, int target,
		int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (*counter < target) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			return false;
		}
		dispatch_once(c, (int)(left < 100 ? left : 100));
	}
	return true;
}

bool es_wait_feedback(struct es_conn *c, struct es_feedback *fb,
		int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (fb->presented + fb->discarded == 0) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			return false;
		}
		dispatch_once(c, (int)(left < 100 ? left : 100));
	}
	return true;
}

bool es_wait_timeline(struct es_conn *c, struct es_timeline *tl,
		uint64_t point, int timeout_ms) {
	int64_t deadline = now_ms() + timeout_ms;
	while (es_timeline_value(tl) < point) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			return false;
		}
		dispatch_once(c, (int)(left < 20 ? left : 20));
	}
	return true;
}

/* ---- timelines ---- */

struct es_timeline *es_timeline_new(struct es_conn *c, const char *name) {
	struct es_timeline *tl = calloc(1, sizeof(*tl));
	if (tl == NULL) {
		es_die("out of memory");
	}
	int ret = fw_timeline_create(name, &tl->timeline);
	if (ret < 0) {
		es_die("fw_timeline_create: %s", strerror(-ret));
	}
	int fd = fw_timeline_export_fd(tl->timeline);
	if (fd < 0) {
		es_die("fw_timeline_export_fd: %s", strerror(-fd));
	}
	tl->obj = wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj, fd);
	close(fd);
	return tl;
}

uint64_t es_timeline_value(struct es_timeline *tl) {
	uint64_t value = 0;
	int ret = fw_timeline_query(tl->timeline, &value);
	if (ret < 0) {
		es_die("fw_timeline_query: %s", strerror(-ret));
	}
	return value;
}

void es_timeline_signal(struct es_timeline *tl, uint64_t point) {
	int ret = fw_timeline_signal(tl->timeline, point);
	if (ret < 0) {
		es_die("fw_timeline_signal: %s", strerror(-ret));
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

/* ---- sync v1 releases ---- */

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
		es_die("mkstemp: %s", strerror(errno));
	}
	close(fd);
	pid_t pid = fork();
	if (pid < 0) {
		es_die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		execlp("grim", "grim", "-t", "ppm", path, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		es_die("grim failed (status %d)", status);
	}
	FILE *f = fopen(path, "rb");
	unlink(path);
	if (f == NULL) {
		es_die("grim output: %s", strerror(errno));
	}
	int width = 0, height = 0, maxval = 0;
	if (fscanf(f, "P6 %d %d %d", &width, &height, &maxval) != 3 ||
			maxval != 255 || fgetc(f) == EOF) {
		es_die("grim output is not a binary PPM");
	}
	uint8_t want_r = (colour >> 16) & 0xff, want_g = (colour >> 8) & 0xff,
		want_b = colour & 0xff;
	long count = 0;
	uint8_t px[3];
	for (long i = 0; i < (long)width * height; i++) {
		if (fread(px, 1, 3, f) != 3) {
			es_die("grim output truncated");
		}
		if (px[0] == want_r && px[1] == want_g && px[2] == want_b) {
			count++;
		}
	}
	fclose(f);
	return count;
}
