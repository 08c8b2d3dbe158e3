/*
 * Shared test-client plumbing (wl-test-client.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "wl-test-client.h"

void wtc_die(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: setup failed: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* Dispatching failed: name the protocol error, if that is what it was. */
static void die_connection(struct wtc_conn *c, const char *when) {
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(c->display, &iface, &id);
	wtc_die("connection lost %s: %s@%u code %u (%s)", when,
		iface != NULL ? iface->name : "?", id, code,
		strerror(wl_display_get_error(c->display)));
}

/* ---- globals ---- */

static void wm_base_ping(void *data, struct xdg_wm_base *wm, uint32_t serial) {
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void presentation_clock_id(void *data, struct wp_presentation *p,
		uint32_t clk_id) {
	struct wtc_conn *c = data;
	c->clock_id = clk_id;
	c->have_clock = true;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

static void registry_global(void *data, struct wl_registry *registry,
		uint32_t name, const char *iface, uint32_t version) {
	struct wtc_conn *c = data;
	if (strcmp(iface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name,
			&wl_compositor_interface, 4);
	} else if (strcmp(iface, wl_subcompositor_interface.name) == 0) {
		c->subcompositor = wl_registry_bind(registry, name,
			&wl_subcompositor_interface, 1);
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
	} else if (strcmp(iface, wl_output_interface.name) == 0) {
		/* Bound so that sync_output events have an object to name. */
		if (c->output == NULL) {
			c->output = wl_registry_bind(registry, name,
				&wl_output_interface, 1);
		}
	} else if (c->other_global != NULL) {
		c->other_global(c, name, iface, version);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry,
		uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

void wtc_connect(struct wtc_conn *c) {
	c->display = wl_display_connect(NULL);
	if (c->display == NULL) {
		wtc_die("cannot connect to the compositor");
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	/* The first round trip brings the globals, the second the events
	 * they send when bound (wp_presentation.clock_id). */
	for (int i = 0; i < 2; i++) {
		if (wl_display_roundtrip(c->display) < 0) {
			die_connection(c, "while binding globals");
		}
	}
	if (c->compositor == NULL || c->shm == NULL || c->wm_base == NULL) {
		wtc_die("core globals missing");
	}
}

void wtc_disconnect(struct wtc_conn *c) {
	if (c->output != NULL) {
		wl_output_destroy(c->output);
	}
	if (c->presentation != NULL) {
		wp_presentation_destroy(c->presentation);
	}
	if (c->subcompositor != NULL) {
		wl_subcompositor_destroy(c->subcompositor);
	}
	xdg_wm_base_destroy(c->wm_base);
	wl_shm_destroy(c->shm);
	wl_compositor_destroy(c->compositor);
	wl_registry_destroy(c->registry);
	/* Let the compositor handle the destroys as requests before the
	 * connection ends (fails harmlessly if it is gone already). */
	wl_display_roundtrip(c->display);
	wl_display_disconnect(c->display);
}

/* ---- toplevels ---- */

static void toplevel_configure(void *data, struct xdg_toplevel *xt,
		int32_t width, int32_t height, struct wl_array *states) {
	struct wtc_toplevel *tl = data;
	tl->width = width;
	tl->height = height;
	tl->activated = tl->maximized = tl->fullscreen = false;
	uint32_t *state;
	wl_array_for_each(state, states) {
		switch (*state) {
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			tl->activated = true;
			break;
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			tl->maximized = true;
			break;
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			tl->fullscreen = true;
			break;
		default:
			break;
		}
	}
}

static void toplevel_close(void *data, struct xdg_toplevel *xt) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xs,
		uint32_t serial) {
	struct wtc_toplevel *tl = data;
	xdg_surface_ack_configure(xs, serial);
	tl->configured = true;
	if (tl->on_configure != NULL) {
		tl->on_configure(tl);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

void wtc_toplevel_init(struct wtc_toplevel *tl, struct wtc_conn *c,
		const char *title) {
	tl->conn = c;
	tl->surface = wl_compositor_create_surface(c->compositor);
	tl->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, tl->surface);
	xdg_surface_add_listener(tl->xdg_surface, &xdg_surface_listener, tl);
	tl->toplevel = xdg_surface_get_toplevel(tl->xdg_surface);
	xdg_toplevel_add_listener(tl->toplevel, &toplevel_listener, tl);
	xdg_toplevel_set_title(tl->toplevel, title);
}

void wtc_toplevel_configure(struct wtc_toplevel *tl) {
	wl_surface_commit(tl->surface);
	while (!tl->configured) {
		if (wl_display_dispatch(tl->conn->display) < 0) {
			die_connection(tl->conn, "before the first configure");
		}
	}
}

void wtc_toplevel_finish(struct wtc_toplevel *tl) {
	xdg_toplevel_destroy(tl->toplevel);
	xdg_surface_destroy(tl->xdg_surface);
	wl_surface_destroy(tl->surface);
}

/* ---- buffers, frames, feedback ---- */

struct wl_buffer *wtc_shm_buffer(struct wtc_conn *c, int32_t w, int32_t h,
		uint32_t pixel) {
	size_t count = (size_t)w * (size_t)h;
	size_t size = count * 4;
	int fd = memfd_create("fw-test-buffer", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		wtc_die("memfd: %s", strerror(errno));
	}
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		wtc_die("mmap: %s", strerror(errno));
	}
	for (size_t i = 0; i < count; i++) {
		px[i] = pixel;
	}
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h,
		w * 4, WL_SHM_FORMAT_XRGB8888);
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

void wtc_count_releases(struct wl_buffer *buffer, int *count) {
	wl_buffer_add_listener(buffer, &buffer_listener, count);
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time) {
	int *done = data;
	(*done)++;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

void wtc_request_frame(struct wl_surface *surface, int *done) {
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, done);
}

static void feedback_sync_output(void *data,
		struct wp_presentation_feedback *obj, struct wl_output *output) {
	struct wtc_feedback *fb = data;
	fb->sync_outputs++;
}

static void feedback_presented(void *data,
		struct wp_presentation_feedback *obj, uint32_t tv_sec_hi,
		uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh,
		uint32_t seq_hi, uint32_t seq_lo, uint32_t flags) {
	struct wtc_feedback *fb = data;
	fb->presented++;
	/* The compositor destroyed the object with this event: drop ours. */
	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static void feedback_discarded(void *data,
		struct wp_presentation_feedback *obj) {
	struct wtc_feedback *fb = data;
	fb->discarded++;
	wp_presentation_feedback_destroy(obj);
	fb->obj = NULL;
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

void wtc_request_feedback(struct wtc_conn *c, struct wl_surface *surface,
		struct wtc_feedback *fb) {
	if (c->presentation == NULL) {
		wtc_die("no wp_presentation");
	}
	fb->obj = wp_presentation_feedback(c->presentation, surface);
	wp_presentation_feedback_add_listener(fb->obj, &feedback_listener, fb);
}
