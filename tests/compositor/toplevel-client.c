/*
 * Test client: one xdg toplevel filled with a solid colour, always drawn at
 * the size the compositor configures (64x64 when it leaves the choice to
 * us).  Prints every configure it acks, one line each, flushed:
 *
 *     configure WxH activated=A maximized=M fullscreen=F
 *
 * so a test can follow focus (activated) and window states.
 *
 *   fw-test-toplevel-client 0xRRGGBB [maximize]
 *
 * With "maximize" the client asks to be maximized once it is mapped.
 * Runs until the connection ends or it is killed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

#define DEFAULT_SIZE 64
#define MAX_BUFFERS 16

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	uint32_t colour;
	bool want_maximize, asked_maximize, mapped;
	/* From the last xdg_toplevel.configure, applied on xdg_surface's. */
	int32_t pending_w, pending_h;
	bool activated, maximized, fullscreen;
	int32_t width, height;     /* of the buffer attached last */
	/* Buffers stay alive until exit: never destroy one the compositor
	 * may still be reading. */
	struct wl_buffer *buffers[MAX_BUFFERS];
	int nbuffers;
};

static void die(const char *what) {
	fprintf(stderr, "toplevel-client: %s\n", what);
	exit(2);
}

static struct wl_buffer *make_buffer(struct client *c, int32_t w, int32_t h) {
	if (c->nbuffers == MAX_BUFFERS) {
		die("too many resizes");
	}
	size_t size = (size_t)w * (size_t)h * 4;
	int fd = memfd_create("fw-test-toplevel", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		die("memfd");
	}
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		die("mmap");
	}
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		px[i] = 0xff000000u | c->colour;
	}
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h,
		w * 4, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	c->buffers[c->nbuffers++] = buffer;
	return buffer;
}

static void toplevel_configure(void *data, struct xdg_toplevel *tl,
		int32_t width, int32_t height, struct wl_array *states) {
	struct client *c = data;
	c->pending_w = width;
	c->pending_h = height;
	c->activated = c->maximized = c->fullscreen = false;
	uint32_t *state;
	wl_array_for_each(state, states) {
		switch (*state) {
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			c->activated = true;
			break;
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			c->maximized = true;
			break;
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			c->fullscreen = true;
			break;
		default:
			break;
		}
	}
}

static void toplevel_close(void *data, struct xdg_toplevel *tl) {
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xs,
		uint32_t serial) {
	struct client *c = data;
	int32_t w = c->pending_w > 0 ? c->pending_w : DEFAULT_SIZE;
	int32_t h = c->pending_h > 0 ? c->pending_h : DEFAULT_SIZE;
	xdg_surface_ack_configure(xs, serial);
	if (w != c->width || h != c->height || !c->mapped) {
		wl_surface_attach(c->surface, make_buffer(c, w, h), 0, 0);
		wl_surface_damage_buffer(c->surface, 0, 0, w, h);
		c->width = w;
		c->height = h;
	}
	wl_surface_commit(c->surface);
	c->mapped = true;
	printf("configure %dx%d activated=%d maximized=%d fullscreen=%d\n",
		c->pending_w, c->pending_h, c->activated, c->maximized,
		c->fullscreen);
	fflush(stdout);
	if (c->want_maximize && !c->asked_maximize) {
		c->asked_maximize = true;
		xdg_toplevel_set_maximized(c->toplevel);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm, uint32_t serial) {
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void registry_global(void *data, struct wl_registry *registry,
		uint32_t name, const char *iface, uint32_t version) {
	struct client *c = data;
	if (strcmp(iface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name,
			&wl_compositor_interface, 4);
	} else if (strcmp(iface, wl_shm_interface.name) == 0) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name,
			&xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry,
		uint32_t name) {
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

int main(int argc, char *argv[]) {
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "maximize"))) {
		fprintf(stderr, "usage: %s 0xRRGGBB [maximize]\n", argv[0]);
		return 2;
	}
	struct client c = {0};
	c.colour = (uint32_t)strtoul(argv[1], NULL, 16) & 0xffffff;
	c.want_maximize = argc == 3;

	c.display = wl_display_connect(NULL);
	if (c.display == NULL) {
		die("cannot connect");
	}
	struct wl_registry *registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(registry, &registry_listener, &c);
	wl_display_roundtrip(c.display);
	if (!c.compositor || !c.shm || !c.wm_base) {
		die("missing globals");
	}
	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	char title[64];
	snprintf(title, sizeof(title), "fw-test-toplevel %06x", c.colour);
	xdg_toplevel_set_title(c.toplevel, title);
	wl_surface_commit(c.surface);

	while (wl_display_dispatch(c.display) >= 0) {
	}

	/* The compositor went away: free everything (LeakSanitizer). */
	for (int i = 0; i < c.nbuffers; i++) {
		wl_buffer_destroy(c.buffers[i]);
	}
	xdg_toplevel_destroy(c.toplevel);
	xdg_surface_destroy(c.xdg_surface);
	wl_surface_destroy(c.surface);
	xdg_wm_base_destroy(c.wm_base);
	wl_shm_destroy(c.shm);
	wl_compositor_destroy(c.compositor);
	wl_registry_destroy(registry);
	wl_display_disconnect(c.display);
	return 0;
}
