/*
 * clients/common/display.c - registry handling for the demo clients.
 */
#include "display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

int64_t fwd_now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base,
			 uint32_t serial)
{
	/* A client that stops answering pings gets flagged as hung. */
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct fwd_display *d = data;
	if (format == WL_SHM_FORMAT_XRGB8888)
		d->shm_xrgb8888 = true;
}

static const struct wl_shm_listener shm_listener = {
	.format = shm_format,
};

static void presentation_clock_id(void *data, struct wp_presentation *p,
				  uint32_t clk_id)
{
	struct fwd_display *d = data;
	d->clock = (clockid_t)clk_id;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

static void registry_global(void *data, struct wl_registry *registry,
			    uint32_t name, const char *interface,
			    uint32_t version)
{
	struct fwd_display *d = data;

	/* Bind the version we were written for, or less if that is all the
	 * compositor has: never more than we understand. */
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		d->compositor = wl_registry_bind(registry, name,
						 &wl_compositor_interface,
						 MIN(version, 4));
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		d->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
		wl_shm_add_listener(d->shm, &shm_listener, d);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		d->wm_base =
			wl_registry_bind(registry, name, &xdg_wm_base_interface,
					 MIN(version, 2));
		xdg_wm_base_add_listener(d->wm_base, &wm_base_listener, d);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		d->presentation = wl_registry_bind(
			registry, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(d->presentation,
					     &presentation_listener, d);
	} else if (strcmp(interface,
			  wp_linux_drm_syncobj_manager_v1_interface.name) ==
		   0) {
		d->syncobj_manager = wl_registry_bind(
			registry, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
	} else if (strcmp(interface,
			  zwp_linux_explicit_synchronization_v1_interface
				  .name) == 0) {
		d->explicit_sync = wl_registry_bind(
			registry, name,
			&zwp_linux_explicit_synchronization_v1_interface,
			MIN(version, 2));
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry,
				   uint32_t name)
{
	/* The demos bind only globals that live as long as the compositor. */
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

int fwd_display_connect(struct fwd_display *d)
{
	memset(d, 0, sizeof(*d));
	d->clock = CLOCK_MONOTONIC;

	d->display = wl_display_connect(NULL);
	if (!d->display) {
		fprintf(stderr,
			"cannot connect to the Wayland display '%s': %m\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY")
						  : "wayland-0");
		return -1;
	}
	d->registry = wl_display_get_registry(d->display);
	wl_registry_add_listener(d->registry, &registry_listener, d);

	/* First roundtrip: the globals.  Second: the events they send on bind
	 * (shm formats, the presentation clock). */
	if (wl_display_roundtrip(d->display) < 0 ||
	    wl_display_roundtrip(d->display) < 0) {
		fprintf(stderr, "lost the Wayland connection during setup\n");
		fwd_display_disconnect(d);
		return -1;
	}
	if (!d->compositor || !d->wm_base) {
		fprintf(stderr,
			"the compositor lacks wl_compositor or xdg_wm_base\n");
		fwd_display_disconnect(d);
		return -1;
	}
	return 0;
}

void fwd_display_disconnect(struct fwd_display *d)
{
	if (d->explicit_sync)
		zwp_linux_explicit_synchronization_v1_destroy(d->explicit_sync);
	if (d->syncobj_manager)
		wp_linux_drm_syncobj_manager_v1_destroy(d->syncobj_manager);
	if (d->presentation)
		wp_presentation_destroy(d->presentation);
	if (d->wm_base)
		xdg_wm_base_destroy(d->wm_base);
	if (d->shm)
		wl_shm_destroy(d->shm);
	if (d->compositor)
		wl_compositor_destroy(d->compositor);
	if (d->registry)
		wl_registry_destroy(d->registry);
	if (d->display)
		wl_display_disconnect(d->display);
	memset(d, 0, sizeof(*d));
}
