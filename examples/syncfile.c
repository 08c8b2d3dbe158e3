/*
 * examples/syncfile.c - the smallest client that uses explicit sync with
 * sync files (zwp_linux_explicit_synchronization_v1) against fenceway.
 *
 * Each frame is committed *before* it is drawn, with an acquire fence: a
 * sync file that signals when the frame is done.  Then it is drawn and the
 * fence signalled.  The compositor waits for the fence before it reads the
 * buffer, and per commit answers get_release with a release fence (wait
 * for it before drawing into the buffer again) or an immediate release.
 * The fences are soft sync files from <fenceway/libsync.h> (the kernel
 * selftests' sw_sync API); on a machine with a DRM device a kernel
 * sync_file from the GPU driver works the same way.
 *
 *   syncfile [FRAMES]     (default 60)
 *
 * Prints "frames: N presented: P discarded: D" and exits 0 when every
 * frame was presented or discarded, at least one presented.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fenceway/libsync.h>
#include <wayland-client.h>

#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define W 256
#define H 256
#define NBUF 2

static struct wl_compositor *compositor;
static struct wl_shm *shm;
static struct xdg_wm_base *wm_base;
static struct wp_presentation *presentation;
static struct zwp_linux_explicit_synchronization_v1 *explicit_sync;
static bool configured, frame_done;
static int presented, discarded;

static void global(void *data, struct wl_registry *r, uint32_t name,
		   const char *iface, uint32_t version)
{
	if (!strcmp(iface, wl_compositor_interface.name))
		compositor = wl_registry_bind(r, name, &wl_compositor_interface, 4);
	else if (!strcmp(iface, wl_shm_interface.name))
		shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	else if (!strcmp(iface, xdg_wm_base_interface.name))
		wm_base = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
	else if (!strcmp(iface, wp_presentation_interface.name))
		presentation = wl_registry_bind(r, name, &wp_presentation_interface, 1);
	else if (!strcmp(iface, zwp_linux_explicit_synchronization_v1_interface.name))
		explicit_sync = wl_registry_bind(r, name,
			&zwp_linux_explicit_synchronization_v1_interface, 2);
}

static void global_remove(void *data, struct wl_registry *r, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = { global, global_remove };

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static void surface_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	xdg_surface_ack_configure(xs, serial);
	configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = { surface_configure };

static void frame_cb(void *data, struct wl_callback *cb, uint32_t time)
{
	wl_callback_destroy(cb);
	frame_done = true;
}

static const struct wl_callback_listener frame_listener = { frame_cb };

static void fb_sync_output(void *data, struct wp_presentation_feedback *fb,
			   struct wl_output *output)
{
}

static void fb_presented(void *data, struct wp_presentation_feedback *fb,
			 uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec,
			 uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo,
			 uint32_t flags)
{
	presented++;
	wp_presentation_feedback_destroy(fb);
}

static void fb_discarded(void *data, struct wp_presentation_feedback *fb)
{
	discarded++;
	wp_presentation_feedback_destroy(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	fb_sync_output, fb_presented, fb_discarded,
};

/* One buffer and the fence of its last release (-1: free now). */
struct buffer {
	struct wl_buffer *wl;
	uint32_t *pixels;
	struct zwp_linux_buffer_release_v1 *release;  /* no release event yet */
	int release_fence;
};

static void fenced_release(void *data, struct zwp_linux_buffer_release_v1 *r, int32_t fd)
{
	struct buffer *b = data;
	b->release = NULL;
	b->release_fence = fd;
	zwp_linux_buffer_release_v1_destroy(r);
}

static void immediate_release(void *data, struct zwp_linux_buffer_release_v1 *r)
{
	struct buffer *b = data;
	b->release = NULL;
	zwp_linux_buffer_release_v1_destroy(r);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	fenced_release, immediate_release,
};

/* The "GPU": fill the buffer with a colour that changes every frame. */
static void draw(struct buffer *b, int frame)
{
	uint32_t px = 0xff000000u | (uint32_t)(frame * 4 % 256) << 8 | 0x2060c0;
	for (int i = 0; i < W * H; i++)
		b->pixels[i] = px;
}

/* Block until the compositor released @b and its release fence signalled. */
static int wait_release(struct wl_display *dpy, struct buffer *b)
{
	while (b->release)
		if (wl_display_dispatch(dpy) < 0)
			return -1;
	if (b->release_fence < 0)
		return 0;
	int ret = sync_wait(b->release_fence, -1) > 0 ? 0 : -1;
	close(b->release_fence);
	b->release_fence = -1;
	return ret;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 60;
	struct wl_display *dpy = wl_display_connect(NULL);
	if (!dpy || frames < 1) {
		fprintf(stderr, "usage: WAYLAND_DISPLAY=... %s [FRAMES]\n", argv[0]);
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(dpy);
	wl_registry_add_listener(registry, &registry_listener, NULL);
	wl_display_roundtrip(dpy);
	if (!compositor || !shm || !wm_base || !presentation || !explicit_sync) {
		fprintf(stderr, "the compositor lacks a global (zwp_linux_explicit_synchronization_v1?)\n");
		return 1;
	}
	xdg_wm_base_add_listener(wm_base, &wm_listener, NULL);

	struct wl_surface *surface = wl_compositor_create_surface(compositor);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(wm_base, surface);
	xdg_surface_add_listener(xs, &xdg_surface_listener, NULL);
	struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xs);
	xdg_toplevel_set_title(toplevel, "syncfile example");
	struct zwp_linux_surface_synchronization_v1 *sync =
		zwp_linux_explicit_synchronization_v1_get_synchronization(explicit_sync, surface);
	wl_surface_commit(surface);
	while (!configured && wl_display_dispatch(dpy) >= 0)
		;

	/* The buffers, in one shared-memory pool. */
	int pool_fd = memfd_create("syncfile-example", MFD_CLOEXEC);
	if (pool_fd < 0 || ftruncate(pool_fd, NBUF * W * H * 4) < 0)
		return 1;
	uint32_t *map = mmap(NULL, NBUF * W * H * 4, PROT_READ | PROT_WRITE,
			     MAP_SHARED, pool_fd, 0);
	if (map == MAP_FAILED)
		return 1;
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, pool_fd, NBUF * W * H * 4);
	struct buffer bufs[NBUF] = { 0 };
	for (int i = 0; i < NBUF; i++) {
		bufs[i].wl = wl_shm_pool_create_buffer(pool, i * W * H * 4, W, H, W * 4,
						       WL_SHM_FORMAT_XRGB8888);
		bufs[i].pixels = map + i * W * H;
		bufs[i].release_fence = -1;
	}

	/* The acquire fences' timeline: frame N's fence signals at N. */
	int timeline = sw_sync_timeline_create();
	if (timeline < 0)
		return 1;

	for (int n = 1; n <= frames; n++) {
		struct buffer *b = &bufs[n % NBUF];
		if (wait_release(dpy, b) < 0) {
			perror("waiting for a release");
			return 1;
		}
		/* The protocol takes the fd: sent, then ours to close. */
		int acquire = sw_sync_fence_create(timeline, "acquire", n);
		if (acquire < 0)
			return 1;
		zwp_linux_surface_synchronization_v1_set_acquire_fence(sync, acquire);
		close(acquire);
		b->release = zwp_linux_surface_synchronization_v1_get_release(sync);
		zwp_linux_buffer_release_v1_add_listener(b->release, &release_listener, b);
		wl_surface_attach(surface, b->wl, 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, W, H);
		wl_callback_add_listener(wl_surface_frame(surface), &frame_listener, NULL);
		wp_presentation_feedback_add_listener(
			wp_presentation_feedback(presentation, surface), &feedback_listener, NULL);
		frame_done = false;
		wl_surface_commit(surface);
		wl_display_flush(dpy);

		/* Committed before it is drawn: the compositor holds the
		 * frame until the acquire fence signals. */
		draw(b, n);
		if (sw_sync_timeline_inc(timeline, 1) < 0) {
			perror("signalling the acquire fence");
			return 1;
		}
		while (!frame_done)
			if (wl_display_dispatch(dpy) < 0)
				return 1;
	}
	while (presented + discarded < frames)
		if (wl_display_dispatch(dpy) < 0)
			return 1;
	printf("frames: %d presented: %d discarded: %d\n", frames, presented, discarded);

	zwp_linux_surface_synchronization_v1_destroy(sync);
	sw_sync_timeline_destroy(timeline);
	for (int i = 0; i < NBUF; i++) {
		/* The buffer still on screen has no release event yet. */
		if (bufs[i].release)
			zwp_linux_buffer_release_v1_destroy(bufs[i].release);
		if (bufs[i].release_fence >= 0)
			close(bufs[i].release_fence);
		wl_buffer_destroy(bufs[i].wl);
	}
	wl_shm_pool_destroy(pool);
	munmap(map, NBUF * W * H * 4);
	close(pool_fd);
	xdg_toplevel_destroy(toplevel);
	xdg_surface_destroy(xs);
	wl_surface_destroy(surface);
	zwp_linux_explicit_synchronization_v1_destroy(explicit_sync);
	wp_presentation_destroy(presentation);
	xdg_wm_base_destroy(wm_base);
	wl_shm_destroy(shm);
	wl_compositor_destroy(compositor);
	wl_registry_destroy(registry);
	wl_display_disconnect(dpy);
	return presented > 0 ? 0 : 1;
}
