/*
 * Test client: asks for wp_presentation feedback on every commit and
 * counts what comes back per feedback object.
 *
 *   fw-test-presentation-client burst N
 *       one toplevel; N commits back to back (new buffer content each),
 *       each with its own feedback, without waiting for frame callbacks.
 *   fw-test-presentation-client subsurface
 *       a toplevel with a synchronized subsurface: the subsurface commits
 *       twice (feedback A, then B) while its state is cached, then the
 *       parent commits (feedback P), which applies both cached commits.
 *       A's content is replaced before it can be shown: A must be
 *       discarded, B and P presented -- each exactly once.
 *   fw-test-presentation-client fullscreen N
 *       asks for fullscreen, then commits N frames of the configured size
 *       (solid 0x3366cc and 0xcc6633, alternating; the last one is
 *       0x3366cc), each after the previous frame callback, with feedback;
 *       prints the size and how many wl_buffer.release events came.
 *
 * Prints one line per feedback, "feedback I: presented|discarded|...",
 * then "summary: feedbacks=N presented=P discarded=D multiple=M
 * missing=X sync_output=S".  Exit 0 when every feedback resolved, 1 if
 * some never did within the wait, 2 on setup errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define WIDTH 64
#define HEIGHT 64
#define MAX_FEEDBACKS 1024

struct feedback {
	struct wp_presentation_feedback *obj;
	int index;
	int presented, discarded, sync_outputs;
	uint32_t clock_tv_nsec;
};

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	struct wl_output *output;
	struct wl_registry *registry;
	/* Everything this client made, destroyed before disconnecting (the
	 * client runs under LeakSanitizer in the sanitizer lane too). */
	struct wl_buffer *buffers[8];
	int nbuffers;
	struct wl_surface *surfaces[2];
	struct wl_subsurface *subsurface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *xdg_toplevel;
	uint32_t clock_id;
	bool have_clock;
	bool configured;
	int32_t conf_width, conf_height;     /* last xdg_toplevel.configure */
	int releases;
	bool frame_done;
	bool want_fullscreen;
	struct feedback feedbacks[MAX_FEEDBACKS];
	int nfeedbacks;
};

static void die(const char *what) {
	fprintf(stderr, "presentation-client: %s\n", what);
	exit(2);
}

static const struct wl_buffer_listener buffer_listener;

/* ---- buffers: one shm pool, one buffer per distinct colour ---- */

static struct wl_buffer *make_buffer_sized(struct client *c, uint32_t colour,
		int32_t width, int32_t height) {
	size_t size = (size_t)width * (size_t)height * 4;
	int fd = memfd_create("fw-test-buffer", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		die("memfd");
	}
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		die("mmap");
	}
	for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
		px[i] = colour;
	}
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width,
		height, width * 4, WL_SHM_FORMAT_XRGB8888);
	wl_buffer_add_listener(buffer, &buffer_listener, c);
	wl_shm_pool_destroy(pool);
	close(fd);
	if (c->nbuffers < 8) {
		c->buffers[c->nbuffers++] = buffer;
	}
	return buffer;
}

static struct wl_buffer *make_buffer(struct client *c, uint32_t colour) {
	return make_buffer_sized(c, colour, WIDTH, HEIGHT);
}

/* ---- feedback ---- */

static void fb_sync_output(void *data, struct wp_presentation_feedback *obj,
		struct wl_output *output) {
	struct feedback *fb = data;
	fb->sync_outputs++;
}

static void fb_presented(void *data, struct wp_presentation_feedback *obj,
		uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec,
		uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo, uint32_t flags) {
	struct feedback *fb = data;
	fb->presented++;
	fb->clock_tv_nsec = tv_nsec;
	/* The compositor destroyed the object with this event: drop ours. */
	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static void fb_discarded(void *data, struct wp_presentation_feedback *obj) {
	struct feedback *fb = data;
	fb->discarded++;
	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static const struct wp_presentation_feedback_listener fb_listener = {
	.sync_output = fb_sync_output,
	.presented = fb_presented,
	.discarded = fb_discarded,
};

static struct feedback *request_feedback(struct client *c,
		struct wl_surface *surface) {
	if (c->nfeedbacks >= MAX_FEEDBACKS) {
		die("too many feedbacks");
	}
	struct feedback *fb = &c->feedbacks[c->nfeedbacks];
	fb->index = c->nfeedbacks++;
	fb->obj = wp_presentation_feedback(c->presentation, surface);
	wp_presentation_feedback_add_listener(fb->obj, &fb_listener, fb);
	return fb;
}

static bool all_resolved(struct client *c) {
	for (int i = 0; i < c->nfeedbacks; i++) {
		if (c->feedbacks[i].presented + c->feedbacks[i].discarded == 0) {
			return false;
		}
	}
	return true;
}

/* ---- globals, xdg ---- */

static void presentation_clock_id(void *data, struct wp_presentation *p,
		uint32_t clk_id) {
	struct client *c = data;
	c->clock_id = clk_id;
	c->have_clock = true;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm, uint32_t serial) {
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xs,
		uint32_t serial) {
	struct client *c = data;
	xdg_surface_ack_configure(xs, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *tl,
		int32_t width, int32_t height, struct wl_array *states) {
	struct client *c = data;
	c->conf_width = width;
	c->conf_height = height;
}

static void toplevel_close(void *data, struct xdg_toplevel *tl) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void buffer_release(void *data, struct wl_buffer *buffer) {
	struct client *c = data;
	c->releases++;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static void frame_done(void *data, struct wl_callback *cb, uint32_t time) {
	struct client *c = data;
	c->frame_done = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void registry_global(void *data, struct wl_registry *registry,
		uint32_t name, const char *iface, uint32_t version) {
	struct client *c = data;
	if (strcmp(iface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name,
			&wl_compositor_interface, 4);
	} else if (strcmp(iface, wl_subcompositor_interface.name) == 0) {
		c->subcompositor = wl_registry_bind(registry, name,
			&wl_subcompositor_interface, 1);
	} else if (strcmp(iface, wl_output_interface.name) == 0) {
		/* Bound so that sync_output events have an object to name. */
		if (c->output == NULL) {
			c->output = wl_registry_bind(registry, name,
				&wl_output_interface, 1);
		}
	} else if (strcmp(iface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name,
			&xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (strcmp(iface, wp_presentation_interface.name) == 0) {
		c->presentation = wl_registry_bind(registry, name,
			&wp_presentation_interface, 1);
		wp_presentation_add_listener(c->presentation,
			&presentation_listener, c);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry,
		uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* Dispatch until every feedback has an answer, or a generous number of
 * round trips passed (a bound on waiting, not a timing assertion). */
static void wait_resolved(struct client *c) {
	for (int i = 0; i < 2000 && !all_resolved(c); i++) {
		if (wl_display_roundtrip(c->display) < 0) {
			die("connection lost");
		}
		if (!all_resolved(c)) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 5000000 };
			nanosleep(&ts, NULL);
		}
	}
}

static struct wl_surface *make_toplevel(struct client *c,
		struct xdg_surface **xs_out, struct xdg_toplevel **tl_out) {
	struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
	xdg_surface_add_listener(xs, &xdg_surface_listener, c);
	struct xdg_toplevel *tl = xdg_surface_get_toplevel(xs);
	xdg_toplevel_add_listener(tl, &toplevel_listener, c);
	xdg_toplevel_set_title(tl, "fw-test-presentation-client");
	if (c->want_fullscreen) {
		xdg_toplevel_set_fullscreen(tl, NULL);
	}
	wl_surface_commit(surface);
	while (!c->configured) {
		if (wl_display_dispatch(c->display) < 0) {
			die("connection lost before configure");
		}
	}
	*xs_out = xs;
	*tl_out = tl;
	c->surfaces[0] = surface;
	c->xdg_surface = xs;
	c->xdg_toplevel = tl;
	return surface;
}

static int run_burst(struct client *c, int n) {
	struct xdg_surface *xs;
	struct xdg_toplevel *tl;
	struct wl_surface *surface = make_toplevel(c, &xs, &tl);
	struct wl_buffer *buffers[2] = {
		make_buffer(c, 0xff2040c0), make_buffer(c, 0xffc04020),
	};
	for (int i = 0; i < n; i++) {
		request_feedback(c, surface);
		wl_surface_attach(surface, buffers[i % 2], 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, WIDTH, HEIGHT);
		wl_surface_commit(surface);
		/* Let some frames happen in between, but never wait for one:
		 * every few commits, one round trip. */
		if (i % 8 == 7 && wl_display_roundtrip(c->display) < 0) {
			die("connection lost");
		}
	}
	wl_display_flush(c->display);
	wait_resolved(c);
	(void)xs;
	(void)tl;
	return 0;
}

static int run_subsurface(struct client *c) {
	struct xdg_surface *xs;
	struct xdg_toplevel *tl;
	struct wl_surface *parent = make_toplevel(c, &xs, &tl);
	struct wl_buffer *parent_buf = make_buffer(c, 0xff404040);
	struct wl_buffer *buf_a = make_buffer(c, 0xffff0000);
	struct wl_buffer *buf_b = make_buffer(c, 0xff00ff00);

	/* Map the parent first and let it be shown. */
	wl_surface_attach(parent, parent_buf, 0, 0);
	wl_surface_damage_buffer(parent, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(parent);
	wl_display_roundtrip(c->display);

	struct wl_surface *child = wl_compositor_create_surface(c->compositor);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(
		c->subcompositor, child, parent);
	c->surfaces[1] = child;
	c->subsurface = sub;
	wl_subsurface_set_sync(sub);
	wl_subsurface_set_position(sub, 8, 8);

	/* Two child commits, both cached until the parent commits. */
	request_feedback(c, child);          /* A */
	wl_surface_attach(child, buf_a, 0, 0);
	wl_surface_damage_buffer(child, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(child);
	request_feedback(c, child);          /* B */
	wl_surface_attach(child, buf_b, 0, 0);
	wl_surface_damage_buffer(child, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(child);
	wl_display_roundtrip(c->display);
	/* Nothing of A or B can have been presented yet: still cached. */
	int early = c->feedbacks[0].presented + c->feedbacks[1].presented;

	request_feedback(c, parent);         /* P */
	wl_surface_damage_buffer(parent, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(parent);
	wl_display_flush(c->display);
	wait_resolved(c);
	printf("early_presented=%d\n", early);
	(void)xs;
	(void)tl;
	return 0;
}

static int run_fullscreen(struct client *c, int n) {
	struct xdg_surface *xs;
	struct xdg_toplevel *tl;
	c->want_fullscreen = true;
	struct wl_surface *surface = make_toplevel(c, &xs, &tl);
	/* Map with a small buffer; fenceway applies fullscreen at map and
	 * sends a configure with the output's size. */
	wl_surface_attach(surface, make_buffer(c, 0xff808080), 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(surface);
	for (int i = 0; i < 1000 && c->conf_width == 0; i++) {
		if (wl_display_roundtrip(c->display) < 0) {
			die("connection lost");
		}
	}
	if (c->conf_width <= 0 || c->conf_height <= 0) {
		die("never configured with a size");
	}
	int32_t w = c->conf_width, h = c->conf_height;
	struct wl_buffer *bufs[2] = {
		make_buffer_sized(c, 0xffcc6633, w, h),
		make_buffer_sized(c, 0xff3366cc, w, h),
	};
	c->releases = 0;
	for (int i = 0; i < n; i++) {
		/* Even count: the last frame is bufs[1]. */
		struct wl_buffer *b = bufs[(n - i) % 2 == 0 ? 0 : 1];
		request_feedback(c, surface);
		c->frame_done = false;
		struct wl_callback *cb = wl_surface_frame(surface);
		wl_callback_add_listener(cb, &frame_listener, c);
		wl_surface_attach(surface, b, 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, w, h);
		wl_surface_commit(surface);
		while (!c->frame_done) {
			if (wl_display_dispatch(c->display) < 0) {
				die("connection lost");
			}
		}
	}
	wait_resolved(c);
	printf("fullscreen %dx%d frames=%d releases=%d\n", w, h, n, c->releases);
	fflush(stdout);
	(void)xs;
	(void)tl;
	return 0;
}

static void destroy_all(struct client *c) {
	for (int i = 0; i < c->nfeedbacks; i++) {
		if (c->feedbacks[i].obj != NULL) {
			wp_presentation_feedback_destroy(c->feedbacks[i].obj);
		}
	}
	if (c->subsurface) {
		wl_subsurface_destroy(c->subsurface);
	}
	if (c->surfaces[1]) {
		wl_surface_destroy(c->surfaces[1]);
	}
	if (c->xdg_toplevel) {
		xdg_toplevel_destroy(c->xdg_toplevel);
	}
	if (c->xdg_surface) {
		xdg_surface_destroy(c->xdg_surface);
	}
	if (c->surfaces[0]) {
		wl_surface_destroy(c->surfaces[0]);
	}
	for (int i = 0; i < c->nbuffers; i++) {
		wl_buffer_destroy(c->buffers[i]);
	}
	if (c->output) {
		wl_output_destroy(c->output);
	}
	wp_presentation_destroy(c->presentation);
	xdg_wm_base_destroy(c->wm_base);
	wl_shm_destroy(c->shm);
	wl_subcompositor_destroy(c->subcompositor);
	wl_compositor_destroy(c->compositor);
	wl_registry_destroy(c->registry);
	wl_display_roundtrip(c->display);
}

/* Print one line per feedback and the summary; returns how many never
 * got an answer. */
static int report(struct client *c) {
	int presented = 0, discarded = 0, multiple = 0, missing = 0, syncs = 0;
	for (int i = 0; i < c->nfeedbacks; i++) {
		struct feedback *fb = &c->feedbacks[i];
		int events = fb->presented + fb->discarded;
		printf("feedback %d: %s\n", i,
			events == 0 ? "none" :
			events > 1 ? "multiple" :
			fb->presented ? "presented" : "discarded");
		presented += fb->presented;
		discarded += fb->discarded;
		multiple += events > 1;
		missing += events == 0;
		syncs += fb->sync_outputs;
	}
	printf("summary: feedbacks=%d presented=%d discarded=%d multiple=%d "
		"missing=%d sync_output=%d\n", c->nfeedbacks, presented, discarded,
		multiple, missing, syncs);
	fflush(stdout);
	return missing;
}

int main(int argc, char *argv[]) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s burst N | subsurface | fullscreen N "
			"[hold]\n", argv[0]);
		return 2;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		die("oom");
	}
	c->display = wl_display_connect(NULL);
	if (c->display == NULL) {
		die("cannot connect");
	}
	struct wl_registry *registry = wl_display_get_registry(c->display);
	c->registry = registry;
	wl_registry_add_listener(registry, &registry_listener, c);
	wl_display_roundtrip(c->display);
	wl_display_roundtrip(c->display);
	if (!c->compositor || !c->subcompositor || !c->shm || !c->wm_base ||
			!c->presentation) {
		die("missing globals");
	}
	printf("clock_id=%u\n", c->have_clock ? c->clock_id : 9999u);

	if (strcmp(argv[1], "burst") == 0 && argc == 3) {
		int n = atoi(argv[2]);
		if (n <= 0 || n > MAX_FEEDBACKS) {
			die("bad N");
		}
		run_burst(c, n);
	} else if (strcmp(argv[1], "subsurface") == 0) {
		run_subsurface(c);
	} else if (strcmp(argv[1], "fullscreen") == 0 && argc >= 3) {
		run_fullscreen(c, atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
		if (argc == 4) {
			report(c);
			/* Stay mapped (the test captures the screen meanwhile) until
			 * the compositor goes away or we are told to stop. */
			printf("holding\n");
			fflush(stdout);
			while (wl_display_dispatch(c->display) >= 0) {
			}
			destroy_all(c);
			wl_display_disconnect(c->display);
			free(c);
			return 0;
		}
	} else {
		die("unknown mode");
	}

	int missing = report(c);
	fflush(stdout);
	destroy_all(c);
	wl_display_disconnect(c->display);
	free(c);
	return missing == 0 ? 0 : 1;
}
