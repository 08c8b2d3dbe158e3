/*
 * vm-es-client.c - a Wayland client that passes real kernel fences to
 * fenceway, for the qemu lane's explicit-sync test (test_kms_es.py).
 *
 *   vm-es-client syncobj    wp_linux_drm_syncobj_manager_v1 with DRM
 *                           syncobj timelines made on the virtio-gpu
 *                           render node
 *   vm-es-client syncfile   zwp_linux_explicit_synchronization_v1 with
 *                           vgem sync_files as acquire fences
 *
 * A 160x160 window.  Frame 1 is green with an acquire that has already
 * signalled; frame 2 is red with an acquire that is pending: syncobj, point
 * 2 of the acquire timeline, not even submitted until the test says
 * "signal" (then a CPU signal: wait-before-submit, no time limit); syncfile,
 * a vgem fence (signalled on "signal", or by vgem itself after 10 s).
 * The test drives the steps through stdin/stdout, one word a line:
 *
 *   out "ready"     frame 1 committed               in "go"
 *   out "held"      frame 2 committed, its fence pending, frame 1 not
 *                   released                         in "signal"
 *   out "released"  the vgem fence signalled; frame 1 released (syncobj:
 *                   release point 1 signalled; syncfile: immediate_release
 *                   or fenced_release), frame 2 (on screen) not
 *                                                    in "quit"
 * Anything wrong: a line "FAIL <why>" and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include <fenceway/sync.h>

#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "vm_devices.h"
#include "xdg-shell-client-protocol.h"

#define SIZE 160
#define GREEN 0xff00ff00u
#define RED 0xffff0000u
#define LONG_NS (20LL * 1000000000)

static struct {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_linux_drm_syncobj_manager_v1 *syncobj;
	struct zwp_linux_explicit_synchronization_v1 *sync_v1;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	uint32_t configure_serial;
	int released;   /* syncfile: frame 1's release event came */
} c;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void say(const char *word)
{
	printf("%s\n", word);
	fflush(stdout);
}

/* Wait for @word on stdin, dispatching Wayland events meanwhile. */
static void expect(const char *word)
{
	char line[64];
	struct pollfd p[2] = {
		{ .fd = 0, .events = POLLIN },
		{ .fd = wl_display_get_fd(c.display), .events = POLLIN },
	};

	for (;;) {
		wl_display_flush(c.display);
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (p[1].revents & POLLIN) {
			if (wl_display_dispatch(c.display) < 0)
				fail("display: %s", strerror(errno));
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin))
				fail("stdin closed before \"%s\"", word);
			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, word) != 0)
				fail("got \"%s\", want \"%s\"", line, word);
			return;
		}
	}
}

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { .ping = wm_ping };

static void global(void *data, struct wl_registry *reg, uint32_t name,
		   const char *iface, uint32_t version)
{
	if (strcmp(iface, wl_compositor_interface.name) == 0)
		c.compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
	else if (strcmp(iface, wl_shm_interface.name) == 0)
		c.shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
		c.wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c.wm_base, &wm_listener, NULL);
	} else if (strcmp(iface, wp_linux_drm_syncobj_manager_v1_interface.name) == 0)
		c.syncobj = wl_registry_bind(reg, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
	else if (strcmp(iface, zwp_linux_explicit_synchronization_v1_interface.name) == 0)
		c.sync_v1 = wl_registry_bind(reg, name,
			&zwp_linux_explicit_synchronization_v1_interface, 2);
}

static void global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
}

static const struct wl_registry_listener reg_listener = {
	.global = global,
	.global_remove = global_remove,
};

static void xdg_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	c.configure_serial = serial;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_configure,
};

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w,
			  int32_t h, struct wl_array *states)
{
}

static void top_close(void *data, struct xdg_toplevel *t)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = top_configure,
	.close = top_close,
};

/* A SIZE x SIZE XRGB8888 shm buffer filled with @color. */
static struct wl_buffer *solid_buffer(uint32_t color)
{
	size_t stride = SIZE * 4, size = stride * SIZE;
	int fd = memfd_create("vm-es-client", MFD_CLOEXEC);
	struct wl_shm_pool *pool;
	struct wl_buffer *buf;
	uint32_t *px;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		fail("memfd: %s", strerror(errno));
	px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	for (size_t i = 0; i < SIZE * SIZE; i++)
		px[i] = color;
	munmap(px, size);
	pool = wl_shm_create_pool(c.shm, fd, (int32_t)size);
	buf = wl_shm_pool_create_buffer(pool, 0, SIZE, SIZE, (int32_t)stride,
					WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buf;
}

/* Attach a buffer of one colour, commit whatever sync state was set for
 * it, and wait until fenceway has handled the commit. */
static void commit_colour(uint32_t color)
{
	wl_surface_attach(c.surface, solid_buffer(color), 0, 0);
	wl_surface_damage_buffer(c.surface, 0, 0, SIZE, SIZE);
	wl_surface_commit(c.surface);
	if (wl_display_roundtrip(c.display) < 0)
		fail("roundtrip: %s", strerror(errno));
}

static void release_fenced(void *data, struct zwp_linux_buffer_release_v1 *r,
			   int32_t fence)
{
	/* Frame 1 is free once that fence signals; wait for it right here. */
	struct pollfd p = { .fd = fence, .events = POLLIN };

	if (poll(&p, 1, 20000) != 1)
		fail("fenced_release fence never signalled");
	close(fence);
	c.released = 1;
	zwp_linux_buffer_release_v1_destroy(r);
}

static void release_immediate(void *data, struct zwp_linux_buffer_release_v1 *r)
{
	c.released = 1;
	zwp_linux_buffer_release_v1_destroy(r);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = release_fenced,
	.immediate_release = release_immediate,
};

/* Import a timeline of ours into the compositor. */
static struct wp_linux_drm_syncobj_timeline_v1 *import(struct fw_timeline *tl)
{
	struct wp_linux_drm_syncobj_timeline_v1 *obj;
	int fd = fw_timeline_export_fd(tl);

	if (fd < 0)
		fail("export timeline: %s", strerror(-fd));
	obj = wp_linux_drm_syncobj_manager_v1_import_timeline(c.syncobj, fd);
	wl_display_flush(c.display);   /* libwayland dup'ed it */
	close(fd);
	return obj;
}

static int run_syncobj(int render)
{
	struct wp_linux_drm_syncobj_timeline_v1 *acq_obj, *rel_obj;
	struct wp_linux_drm_syncobj_surface_v1 *so;
	struct fw_timeline *acq, *rel;
	int ret;

	if (!c.syncobj)
		fail("no wp_linux_drm_syncobj_manager_v1");
	if ((ret = fw_timeline_create_drm_syncobj(render, &acq)) < 0 ||
	    (ret = fw_timeline_create_drm_syncobj(render, &rel)) < 0)
		fail("DRM syncobj timeline: %s", strerror(-ret));
	acq_obj = import(acq);
	rel_obj = import(rel);
	so = wp_linux_drm_syncobj_manager_v1_get_surface(c.syncobj, c.surface);

	/* Frame 1: acquire point 1 signalled by the CPU first. */
	if ((ret = fw_timeline_signal(acq, 1)) < 0)
		fail("signal acquire 1: %s", strerror(-ret));
	wp_linux_drm_syncobj_surface_v1_set_acquire_point(so, acq_obj, 0, 1);
	wp_linux_drm_syncobj_surface_v1_set_release_point(so, rel_obj, 0, 1);
	commit_colour(GREEN);
	say("ready");
	expect("go");

	/* Frame 2: acquire point 2, nothing submitted for it yet. */
	wp_linux_drm_syncobj_surface_v1_set_acquire_point(so, acq_obj, 0, 2);
	wp_linux_drm_syncobj_surface_v1_set_release_point(so, rel_obj, 0, 2);
	commit_colour(RED);
	if (fw_timeline_wait(rel, 1, 0) != -ETIME)
		fail("frame 1 released while frame 2 is held");
	say("held");
	expect("signal");

	if ((ret = fw_timeline_signal(acq, 2)) < 0)
		fail("signal acquire 2: %s", strerror(-ret));
	/* The compositor applies frame 2 and signals release point 1. */
	for (int i = 0; fw_timeline_wait(rel, 1, 100000000) != 0; i++) {
		if (i > 200)
			fail("release point 1 never signalled");
		if (wl_display_roundtrip(c.display) < 0)
			fail("roundtrip: %s", strerror(errno));
	}
	if (fw_timeline_wait(rel, 2, 0) != -ETIME)
		fail("frame 2 released while on screen");
	say("released");
	expect("quit");
	fw_timeline_put(acq);
	fw_timeline_put(rel);
	return 0;
}

static int run_syncfile(int vgem)
{
	struct zwp_linux_surface_synchronization_v1 *sync;
	struct zwp_linux_buffer_release_v1 *rel;
	struct vgem_fence vf;
	int sf;

	if (!c.sync_v1)
		fail("no zwp_linux_explicit_synchronization_v1");
	sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		c.sync_v1, c.surface);

	/* Frame 1: no acquire fence; ask for its release. */
	rel = zwp_linux_surface_synchronization_v1_get_release(sync);
	zwp_linux_buffer_release_v1_add_listener(rel, &release_listener, NULL);
	commit_colour(GREEN);
	say("ready");
	expect("go");

	/* Frame 2: acquire fence = a pending vgem sync_file. */
	sf = vgem_pending_sync_file(vgem, &vf);
	zwp_linux_surface_synchronization_v1_set_acquire_fence(sync, sf);
	wl_display_flush(c.display);   /* libwayland dup'ed it */
	close(sf);
	commit_colour(RED);
	if (c.released)
		fail("frame 1 released while frame 2 is held");
	say("held");
	expect("signal");

	vgem_signal(vgem, &vf);
	for (int i = 0; !c.released; i++) {
		if (i > 200)
			fail("frame 1 never released");
		if (wl_display_roundtrip(c.display) < 0)
			fail("roundtrip: %s", strerror(errno));
		if (!c.released)
			usleep(100000);
	}
	say("released");
	expect("quit");
	return 0;
}

int main(int argc, char **argv)
{
	int render, vgem, syncobj_mode;
	struct wl_registry *reg;

	if (argc != 2 || (strcmp(argv[1], "syncobj") && strcmp(argv[1], "syncfile")))
		fail("usage: vm-es-client syncobj|syncfile");
	syncobj_mode = strcmp(argv[1], "syncobj") == 0;
	render = vm_open_drm("virtio_gpu", 1);
	vgem = vm_open_drm("vgem", 0);
	if (render < 0 || vgem < 0)
		fail("needs the virtio-gpu render node and vgem");

	c.display = wl_display_connect(NULL);
	if (!c.display)
		fail("cannot connect to the compositor");
	reg = wl_display_get_registry(c.display);
	wl_registry_add_listener(reg, &reg_listener, NULL);
	if (wl_display_roundtrip(c.display) < 0 || !c.compositor || !c.shm ||
	    !c.wm_base)
		fail("missing core globals");

	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, NULL);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, NULL);
	xdg_toplevel_set_title(c.toplevel, argv[1]);
	xdg_toplevel_set_app_id(c.toplevel, "vm-es-client");
	wl_surface_commit(c.surface);
	while (!c.configure_serial)
		if (wl_display_dispatch(c.display) < 0)
			fail("no configure");
	xdg_surface_ack_configure(c.xdg_surface, c.configure_serial);

	return syncobj_mode ? run_syncobj(render) : run_syncfile(vgem);
}
