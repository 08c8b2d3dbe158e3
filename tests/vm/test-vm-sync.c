/*
 * test-vm-sync.c - sync/'s kernel backend on real kernel objects.
 *
 * Runs inside the qemu guest (tests/vm/meson.build boots it once for the
 * whole program): pending kernel sync_files minted by vgem, DRM syncobj
 * timelines on the virtio-gpu render node, and merges of kernel and soft
 * fences.  Every check is about behaviour (pending stays pending until the
 * test signals, then signals exactly once, with the right kind and count of
 * points) and about fds (nothing leaked, nothing bogus handed out); none is
 * about timing.  Waits use generous timeouts only so a broken backend fails
 * instead of hanging.
 *
 * Outside a guest with these devices it exits 77 (skip).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include <fenceway/libsync.h>
#include <fenceway/sync.h>

#include "drm_syncobj_impl.h"
#include "kernel_sync_file.h"
#include "soft_timeline.h"
#include "testlib.h"
#include "vm_devices.h"

#define LONG_NS (20LL * 1000000000)   /* "never" for a correct backend */
#define LONG_MS 20000

static int vgem = -1;     /* vgem primary node */
static int render = -1;   /* virtio-gpu render node */
static int card = -1;     /* virtio-gpu primary node */

/* ---- small helpers ---------------------------------------------------- */

/*
 * fw_test_fd_check, after letting the library finish with fences that just
 * signalled: the fd_watch thread or a fallback thread may still hold the
 * last reference (and so the fence's own fd) for a moment after the signal
 * it delivered.  Waits until the count is back, at most 5 s, then checks,
 * saying which fds are left over if any.
 */
static void fd_check(int base)
{
	CHECK_EQ(fw_sync_debug_quiesce(5000000000LL), 0);
	for (int i = 0; i < 500 && fw_test_count_fds() != base; i++)
		usleep(10000);
	if (fw_test_count_fds() != base) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd >&2", (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "(cannot list fds)\n");
	}
	fw_test_fd_check(base);
}

/* poll() one fd for POLLIN; 1 readable, 0 not within @ms. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	CHECK(n >= 0);
	return n == 1 && (p.revents & POLLIN);
}

struct info {
	int status;
	unsigned num_fences;
	char driver[32];
	int64_t timestamp;   /* the latest of the fences' */
};

/* SYNC_IOC_FILE_INFO with the first fence's driver name. */
static struct info file_info(int fd)
{
	struct sync_fence_info fences[8];
	struct sync_file_info info;
	struct info out = { 0 };

	memset(&info, 0, sizeof(info));
	memset(fences, 0, sizeof(fences));
	CHECK(ioctl(fd, SYNC_IOC_FILE_INFO, &info) == 0);
	CHECK(info.num_fences <= 8);
	out.num_fences = info.num_fences;
	info.sync_fence_info = (uintptr_t)fences;
	CHECK(ioctl(fd, SYNC_IOC_FILE_INFO, &info) == 0);
	out.status = info.status;
	snprintf(out.driver, sizeof(out.driver), "%s", fences[0].driver_name);
	for (unsigned i = 0; i < info.num_fences; i++)
		if ((int64_t)fences[i].timestamp_ns > out.timestamp)
			out.timestamp = (int64_t)fences[i].timestamp_ns;
	return out;
}

/* A fw_loop and a wait that counts its callbacks. */
struct counted {
	int calls;
	int status;
};

static void count_cb(struct fw_wait *w, struct fw_fence *f, void *data)
{
	struct counted *c = data;

	c->calls++;
	c->status = fw_fence_get_status(f);
}

/* Dispatch @loop until @c has run, or fail after LONG_MS. */
static void loop_until(struct fw_loop *loop, struct counted *c)
{
	while (c->calls == 0) {
		CHECK(readable(fw_loop_get_fd(loop), LONG_MS));
		CHECK(fw_loop_dispatch(loop) >= 0);
	}
}

/* The loop has nothing ready: its fd is not readable, dispatch runs none. */
static void loop_idle(struct fw_loop *loop, struct counted *c)
{
	CHECK(!readable(fw_loop_get_fd(loop), 0));
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	CHECK_EQ(c->calls, 0);
}

/* Wait until the library has learned that @f signalled (any thread). */
static void wait_signalled(struct fw_fence *f)
{
	CHECK_EQ(fw_fence_wait(f, LONG_NS), 0);
	CHECK(fw_fence_is_signaled(f));
}

/* ---- kernel sync_files from vgem -------------------------------------- */

static void test_vgem_sync_file_pending_then_signalled(void)
{
	int base = fw_test_fd_baseline();
	struct counted c = { 0 };
	struct vgem_fence vf;
	struct fw_loop *loop;
	struct fw_fence *f;
	struct info in;
	int sf, out;

	sf = vgem_pending_sync_file(vgem, &vf);
	CHECK(fw_kernel_sync_file_is(sf));
	CHECK_EQ(fw_sync_file_kind(sf), FW_SYNC_FILE_KERNEL);
	CHECK(!readable(sf, 0));
	in = file_info(sf);
	CHECK_EQ(in.status, 0);
	CHECK_EQ(in.num_fences, 1);
	CHECK(strcmp(in.driver, "vgem") == 0);

	f = fw_sync_file_get_fence(sf);
	CHECK(f);
	CHECK(strcmp(fw_fence_driver_name(f), FW_KERNEL_SYNC_FILE_DRIVER) == 0);
	CHECK(fw_fence_is_kernel(f));
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	CHECK_EQ(fw_fence_wait(f, 0), -ETIME);
	/* The fence has its own dup: closing ours changes nothing. */
	close(sf);

	loop = fw_loop_create();
	CHECK(loop);
	CHECK(fw_loop_wait_fence(loop, f, count_cb, &c));
	/* Pending for real: a bounded wait times out, the loop stays idle. */
	CHECK_EQ(fw_fence_wait(f, 200000000), -ETIME);
	loop_idle(loop, &c);

	/* Export while pending: a kernel sync_file of the same fence. */
	out = fw_sync_file_create(f);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_KERNEL);
	CHECK(!readable(out, 0));

	vgem_signal(vgem, &vf);
	CHECK(readable(out, LONG_MS));
	CHECK_EQ(file_info(out).status, 1);
	wait_signalled(f);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	/* The kernel's signal time, not the moment the library noticed. */
	CHECK(fw_fence_timestamp(f) > 0);
	CHECK_EQ(fw_fence_timestamp(f), file_info(out).timestamp);
	loop_until(loop, &c);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.status, FW_FENCE_SIGNALED);
	/* Exactly once: nothing more to dispatch. */
	CHECK(!readable(fw_loop_get_fd(loop), 0));
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	CHECK_EQ(c.calls, 1);

	close(out);
	fw_loop_destroy(loop);
	fw_fence_put(f);
	fd_check(base);
}

static void test_vgem_sync_file_already_signalled(void)
{
	int base = fw_test_fd_baseline();
	struct vgem_fence vf;
	struct fw_fence *f;
	int sf;

	sf = vgem_pending_sync_file(vgem, &vf);
	vgem_signal(vgem, &vf);
	CHECK(readable(sf, LONG_MS));
	/* Imported after the fact: signalled at once, no watch needed. */
	f = fw_sync_file_get_fence(sf);
	CHECK(f);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_fence_wait(f, 0), 0);
	CHECK_EQ(fw_fence_timestamp(f), file_info(sf).timestamp);
	close(sf);
	fw_fence_put(f);
	fd_check(base);
}

static void test_vgem_merge(void)
{
	int base = fw_test_fd_baseline();
	struct fw_fence *fa, *fb, *merged, *parts[2];
	struct vgem_fence va, vb;
	int a, b, m, lib, exported;

	a = vgem_pending_sync_file(vgem, &va);
	b = vgem_pending_sync_file(vgem, &vb);

	/* The raw kernel merge: two points, pending. */
	m = fw_kernel_sync_file_merge(a, b);
	CHECK(m >= 0);
	CHECK((fcntl(m, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK_EQ(file_info(m).num_fences, 2);
	CHECK_EQ(file_info(m).status, 0);
	/* libsync's sync_merge of two kernel files is a kernel file too. */
	lib = sync_merge("vm", a, b);
	CHECK(lib >= 0);
	CHECK_EQ(fw_sync_file_kind(lib), FW_SYNC_FILE_KERNEL);
	CHECK_EQ(sync_fence_size(lib), 2);

	/* fw_fence_merge of two kernel fences: still wholly kernel. */
	fa = fw_sync_file_get_fence(a);
	fb = fw_sync_file_get_fence(b);
	CHECK(fa && fb);
	parts[0] = fa;
	parts[1] = fb;
	merged = fw_fence_merge(parts, 2);
	CHECK(merged);
	CHECK_EQ(fw_fence_num_points(merged), 2);
	CHECK(fw_fence_is_kernel(merged));
	exported = fw_sync_file_create(merged);
	CHECK(exported >= 0);
	CHECK_EQ(fw_sync_file_kind(exported), FW_SYNC_FILE_KERNEL);
	CHECK_EQ(file_info(exported).num_fences, 2);

	/* One of two signalled: every merge is still pending. */
	vgem_signal(vgem, &va);
	wait_signalled(fa);
	CHECK(readable(a, 0));
	CHECK(!readable(m, 0));
	CHECK(!readable(lib, 0));
	CHECK(!readable(exported, 0));
	CHECK_EQ(fw_fence_wait(merged, 0), -ETIME);
	CHECK_EQ(sync_fence_count_with_status(m, 1), 1);
	CHECK_EQ(sync_fence_count_with_status(m, 0), 1);

	/* Both: all of them signal. */
	vgem_signal(vgem, &vb);
	CHECK(readable(m, LONG_MS));
	CHECK(readable(lib, LONG_MS));
	CHECK(readable(exported, LONG_MS));
	CHECK_EQ(file_info(m).status, 1);
	wait_signalled(merged);
	CHECK_EQ(fw_fence_get_status(merged), FW_FENCE_SIGNALED);

	/* Merging junk is refused, no fd handed out. */
	CHECK_EQ(fw_kernel_sync_file_merge(a, vgem), -EINVAL);

	fw_fence_put(merged);
	fw_fence_put(fa);
	fw_fence_put(fb);
	close(a);
	close(b);
	close(m);
	close(lib);
	close(exported);
	fd_check(base);
}

static void test_kernel_soft_merge_is_soft(void)
{
	int base = fw_test_fd_baseline();
	struct fw_fence *k, *s, *merged, *parts[2];
	struct fw_timeline *tl;
	struct vgem_fence vf;
	int sf, out, lib, soft, tfd;

	sf = vgem_pending_sync_file(vgem, &vf);
	k = fw_sync_file_get_fence(sf);
	CHECK(k);
	CHECK_EQ(fw_timeline_create("vm-soft", &tl), 0);
	s = fw_timeline_point_fence(tl, 3);
	CHECK(s);
	parts[0] = k;
	parts[1] = s;
	merged = fw_fence_merge(parts, 2);
	CHECK(merged);
	CHECK_EQ(fw_fence_num_points(merged), 2);
	CHECK(!fw_fence_is_kernel(merged));
	CHECK_EQ(fw_kernel_sync_file_export(merged), -EOPNOTSUPP);
	out = fw_sync_file_create(merged);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_SOFT);
	/* libsync's sync_merge with a soft part: soft, two points. */
	tfd = fw_timeline_export_fd(tl);
	CHECK(tfd >= 0);
	soft = sw_sync_fence_create(tfd, "vm", 3);
	CHECK(soft >= 0);
	lib = sync_merge("vm-mixed", sf, soft);
	CHECK(lib >= 0);
	CHECK_EQ(fw_sync_file_kind(lib), FW_SYNC_FILE_SOFT);
	CHECK_EQ(sync_fence_size(lib), 2);

	/* Kernel part signalled, soft part not: still pending. */
	vgem_signal(vgem, &vf);
	wait_signalled(k);
	CHECK(!readable(out, 0));
	CHECK_EQ(fw_fence_wait(merged, 0), -ETIME);
	CHECK(!readable(lib, 0));

	/* Soft part too: signalled, and the soft sync file polls readable. */
	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	wait_signalled(merged);
	CHECK_EQ(fw_fence_get_status(merged), FW_FENCE_SIGNALED);
	CHECK(readable(out, LONG_MS));
	CHECK(readable(lib, LONG_MS));
	close(lib);
	close(soft);
	close(tfd);

	close(out);
	close(sf);
	fw_fence_put(merged);
	fw_fence_put(k);
	fw_fence_put(s);
	fw_timeline_put(tl);
	fd_check(base);
}

/*
 * A fence callback that holds the thread it runs on (the library's fd
 * thread, for a kernel fence) until the test lets it go.
 */
struct gate {
	struct fw_fence_cb cb;   /* first: the callback gets its address */
	int entered[2], release[2];
};

static void gate_cb(struct fw_fence *f, struct fw_fence_cb *cb)
{
	struct gate *g = (struct gate *)cb;
	char c = 'g';

	CHECK_EQ(write(g->entered[1], &c, 1), 1);
	CHECK_EQ(read(g->release[0], &c, 1), 1);
}

/*
 * A mixed merge answers status queries at once in the process that made
 * it.  The library's fd thread is held in a callback first, so it cannot
 * notice anything: the kernel part that signalled must still read
 * signalled, with the kernel's own signal time, through
 * sync_fence_count_with_status() and sync_file_info().
 */
static void test_mixed_merge_status_at_once(void)
{
	int base = fw_test_fd_baseline();
	struct vgem_fence vheld, vf;
	struct fw_fence *held;
	struct sync_file_info *info;
	struct sync_fence_info *pts;
	struct gate g;
	int sheld, sf, tl, soft, lib, k;
	char c = 'r';

	CHECK_EQ(pipe2(g.entered, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(g.release, O_CLOEXEC), 0);
	sheld = vgem_pending_sync_file(vgem, &vheld);
	held = fw_sync_file_get_fence(sheld);
	CHECK(held);
	CHECK_EQ(fw_fence_add_callback(held, &g.cb, gate_cb), 0);

	sf = vgem_pending_sync_file(vgem, &vf);
	tl = sw_sync_timeline_create();
	soft = sw_sync_fence_create(tl, "vm-soft", 1);
	CHECK(soft >= 0);
	lib = sync_merge("vm-mixed", sf, soft);
	CHECK(lib >= 0);
	CHECK_EQ(sync_fence_count_with_status(lib, 0), 2);

	/* Hold the fd thread, then signal the kernel part. */
	vgem_signal(vgem, &vheld);
	CHECK_EQ(read(g.entered[0], &c, 1), 1);
	vgem_signal(vgem, &vf);
	CHECK(readable(sf, LONG_MS));
	CHECK_EQ(sync_fence_count_with_status(lib, 1), 1);
	CHECK_EQ(sync_fence_count_with_status(lib, 0), 1);
	info = sync_file_info(lib);
	CHECK(info && info->num_fences == 2);
	CHECK_EQ(info->status, 0);
	pts = sync_get_fence_info(info);
	k = strcmp(pts[0].driver_name, FW_KERNEL_SYNC_FILE_DRIVER) == 0 ? 0 : 1;
	CHECK(strcmp(pts[k].driver_name, FW_KERNEL_SYNC_FILE_DRIVER) == 0);
	CHECK_EQ(pts[k].status, 1);
	CHECK_EQ((int64_t)pts[k].timestamp_ns, file_info(sf).timestamp);
	CHECK_EQ(pts[!k].status, 0);
	CHECK_EQ(pts[!k].timestamp_ns, 0);
	sync_file_info_free(info);

	/* The soft part too: the whole merge reads signalled. */
	CHECK_EQ(sw_sync_timeline_inc(tl, 1), 0);
	CHECK_EQ(sync_fence_count_with_status(lib, 1), 2);
	info = sync_file_info(lib);
	CHECK(info);
	CHECK_EQ(info->status, 1);
	sync_file_info_free(info);

	/* Let the fd thread go: it delivers the signal, the file polls. */
	CHECK_EQ(write(g.release[1], &c, 1), 1);
	wait_signalled(held);
	CHECK(readable(lib, LONG_MS));
	CHECK_EQ(sync_fence_count_with_status(lib, 1), 2);

	close(lib);
	close(soft);
	sw_sync_timeline_destroy(tl);
	close(sf);
	close(sheld);
	fw_fence_put(held);
	for (int i = 0; i < 2; i++) {
		close(g.entered[i]);
		close(g.release[i]);
	}
	fd_check(base);
}

/* ---- DRM syncobj timelines on virtio-gpu ------------------------------ */

static void test_syncobj_probes(void)
{
	struct fw_timeline *tl = NULL;

	CHECK(fw_drm_syncobj_timeline_supported(render));
	CHECK(fw_drm_syncobj_timeline_supported(card));
	/* Linux 6.12 has DRM_IOCTL_SYNCOBJ_EVENTFD. */
	CHECK(fw_drm_syncobj_eventfd_supported(render));
	/* vgem has no syncobjs at all: refused cleanly. */
	CHECK(!fw_drm_syncobj_timeline_supported(vgem));
	CHECK(!fw_drm_syncobj_eventfd_supported(vgem));
	CHECK_EQ(fw_timeline_create_drm_syncobj(vgem, &tl), -EOPNOTSUPP);
	CHECK(tl == NULL);
}

static void test_syncobj_signal_query_wait(void)
{
	int base = fw_test_fd_baseline();
	struct counted c = { 0 };
	struct fw_fence *p5, *p4;
	struct fw_timeline *tl;
	struct fw_loop *loop;
	uint64_t v = 99;

	CHECK_EQ(fw_timeline_create_drm_syncobj(render, &tl), 0);
	CHECK_EQ(fw_timeline_backend(tl), FW_BACKEND_KERNEL);
	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	CHECK_EQ(v, 0);
	/* Point 0 is reached even by a fresh timeline, as on a soft one. */
	{
		struct fw_fence *p0 = fw_timeline_point_fence(tl, 0);

		CHECK(p0);
		CHECK_EQ(fw_fence_wait(p0, LONG_NS), 0);
		CHECK_EQ(fw_fence_get_status(p0), FW_FENCE_SIGNALED);
		CHECK_EQ(fw_timeline_wait(tl, 0, 0), 0);
		fw_fence_put(p0);
	}
	/* No sticky error on a syncobj (documented in drm_syncobj.c). */
	CHECK_EQ(fw_timeline_set_error(tl, -EIO), -EOPNOTSUPP);
	CHECK_EQ(fw_timeline_get_error(tl), 0);

	p5 = fw_timeline_point_fence(tl, 5);
	CHECK(p5);
	CHECK_EQ(fw_fence_seqno(p5), 5);
	CHECK(fw_fence_is_kernel(p5));
	loop = fw_loop_create();
	CHECK(loop);
	CHECK(fw_loop_wait_fence(loop, p5, count_cb, &c));

	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(fw_timeline_wait(tl, 3, 0), 0);
	CHECK_EQ(fw_timeline_wait(tl, 5, 0), -ETIME);
	CHECK_EQ(fw_timeline_wait(tl, 5, 100000000), -ETIME);
	CHECK_EQ(fw_fence_wait(p5, 100000000), -ETIME);
	loop_idle(loop, &c);

	/* Reaching 5 signals this process's fences before signal() returns. */
	CHECK_EQ(fw_timeline_signal(tl, 5), 0);
	CHECK_EQ(fw_fence_get_status(p5), FW_FENCE_SIGNALED);
	loop_until(loop, &c);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.status, FW_FENCE_SIGNALED);

	/* The counter never goes down. */
	CHECK_EQ(fw_timeline_signal(tl, 2), 0);
	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	CHECK_EQ(v, 5);
	/* A point below the counter is signalled as soon as anyone asks. */
	p4 = fw_timeline_point_fence(tl, 4);
	CHECK(p4);
	CHECK_EQ(fw_fence_wait(p4, LONG_NS), 0);
	CHECK_EQ(fw_fence_get_status(p4), FW_FENCE_SIGNALED);

	fw_loop_destroy(loop);
	fw_fence_put(p4);
	fw_fence_put(p5);
	fw_timeline_put(tl);
	fd_check(base);
}

/*
 * Signal @point of DRM timeline @tl with the bare ioctl, behind the
 * library's back: as another process (or the GPU) would.
 */
static void raw_signal(struct fw_timeline *tl, uint64_t point)
{
	struct drm_timeline *k = (struct drm_timeline *)tl;
	struct drm_syncobj_timeline_array sig = {
		.handles = (uintptr_t)&k->handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
	};

	CHECK_EQ(fw_drm_ioctl(k->drm_fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
			      &sig), 0);
}

/*
 * The asynchronous path proper: the fence lives on a second timeline object
 * (another open file of the device, as a client's import would be), and the
 * point is signalled through the first one with a raw ioctl, so nothing in
 * this process short-cuts the wake-up: it must come from the kernel, via
 * DRM_IOCTL_SYNCOBJ_EVENTFD (or the thread fallback, when @fallback).
 */
static void async_wait_through_import(int fallback)
{
	int base = fw_test_fd_baseline();
	struct counted c10 = { 0 }, c20 = { 0 };
	struct fw_timeline *tl, *tl2;
	struct fw_fence *p10, *p20;
	struct vgem_fence vf;
	struct fw_loop *loop;
	int fd, render2, sf;

	if (fallback)
		setenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD", "1", 1);
	else
		unsetenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD");
	CHECK_EQ(fw_timeline_create_drm_syncobj(render, &tl), 0);
	fd = fw_timeline_export_fd(tl);
	CHECK(fd >= 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	render2 = vm_open_drm("virtio_gpu", 1);
	CHECK(render2 >= 0);
	CHECK_EQ(fw_timeline_import_drm_syncobj(render2, fd, &tl2), 0);
	/* Both borrowed: the timeline keeps its own dups. */
	close(fd);
	close(render2);
	CHECK_EQ(((struct drm_timeline *)tl2)->use_eventfd, !fallback);

	loop = fw_loop_create();
	CHECK(loop);
	p10 = fw_timeline_point_fence(tl2, 10);
	p20 = fw_timeline_point_fence(tl2, 20);
	CHECK(p10 && p20);
	CHECK(fw_loop_wait_fence(loop, p10, count_cb, &c10));
	/* Wait-before-submit: nothing is attached to point 20 yet. */
	CHECK(fw_loop_wait_fence(loop, p20, count_cb, &c20));
	CHECK_EQ(fw_fence_wait(p10, 100000000), -ETIME);
	loop_idle(loop, &c10);

	raw_signal(tl, 10);
	loop_until(loop, &c10);
	CHECK_EQ(c10.status, FW_FENCE_SIGNALED);
	CHECK_EQ(c20.calls, 0);
	CHECK_EQ(fw_fence_get_status(p20), FW_FENCE_PENDING);

	/*
	 * A point reached behind our back (another process, the GPU) reads as
	 * signalled at once, though nobody waits on it: status queries ask
	 * the kernel.  Signalling it again from here is a no-op that succeeds.
	 */
	{
		struct fw_fence *p12 = fw_timeline_point_fence(tl2, 12);
		struct fw_fence *p13 = fw_timeline_point_fence(tl2, 13);
		uint64_t v = 0;

		CHECK(p12 && p13);
		CHECK_EQ(fw_fence_get_status(p12), FW_FENCE_PENDING);
		raw_signal(tl, 12);
		CHECK_EQ(fw_fence_get_status(p12), FW_FENCE_SIGNALED);
		CHECK_EQ(fw_fence_get_status(p13), FW_FENCE_PENDING);
		CHECK_EQ(fw_timeline_query(tl2, &v), 0);
		CHECK_EQ(v, 12);
		CHECK_EQ(fw_timeline_signal(tl2, 12), 0);
		CHECK_EQ(fw_timeline_signal(tl2, 11), 0);
		CHECK_EQ(fw_timeline_query(tl2, &v), 0);
		CHECK_EQ(v, 12);
		CHECK_EQ(fw_fence_get_status(p13), FW_FENCE_PENDING);
		fw_fence_put(p12);
		fw_fence_put(p13);
	}

	/* Submit point 20 as a pending vgem fence (sync_file -> point). */
	sf = vgem_pending_sync_file(vgem, &vf);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 20, sf), 0);
	close(sf);
	CHECK_EQ(fw_fence_wait(p20, 100000000), -ETIME);
	CHECK_EQ(c20.calls, 0);
	vgem_signal(vgem, &vf);
	loop_until(loop, &c20);
	CHECK_EQ(c20.calls, 1);
	CHECK_EQ(c20.status, FW_FENCE_SIGNALED);
	CHECK_EQ(c10.calls, 1);

	fw_loop_destroy(loop);
	fw_fence_put(p10);
	fw_fence_put(p20);
	fw_timeline_put(tl2);
	fw_timeline_put(tl);
	unsetenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD");
	fd_check(base);
}

static void test_syncobj_async_eventfd(void)
{
	async_wait_through_import(0);
}

static void test_syncobj_async_thread_fallback(void)
{
	async_wait_through_import(1);
}

/*
 * A wait on a point nobody will ever submit, given up (a client that went
 * away): cancelling it and dropping the fence and timeline must free
 * everything, the syncobj's fd and the eventfd included.  A watch or thread
 * that pinned the fence would keep the DRM fd dup open forever.
 */
static void abandoned_wait(int fallback)
{
	int base = fw_test_fd_baseline();
	struct counted c = { 0 };
	struct fw_timeline *tl;
	struct fw_fence *p;
	struct fw_loop *loop;
	struct fw_wait *w;

	if (fallback)
		setenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD", "1", 1);
	CHECK_EQ(fw_timeline_create_drm_syncobj(render, &tl), 0);
	unsetenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD");
	CHECK_EQ(((struct drm_timeline *)tl)->use_eventfd, !fallback);
	loop = fw_loop_create();
	CHECK(loop);
	p = fw_timeline_point_fence(tl, 100);
	CHECK(p);
	w = fw_loop_wait_fence(loop, p, count_cb, &c);
	CHECK(w);
	CHECK_EQ(fw_fence_wait(p, 100000000), -ETIME);
	loop_idle(loop, &c);
	fw_wait_cancel(w);
	fw_fence_put(p);
	fw_timeline_put(tl);
	fw_loop_destroy(loop);
	CHECK_EQ(c.calls, 0);
	fd_check(base);
}

static void test_syncobj_abandoned_wait_eventfd(void)
{
	abandoned_wait(0);
}

static void test_syncobj_abandoned_wait_thread_fallback(void)
{
	abandoned_wait(1);
}

static void test_syncobj_sync_file_transfer(void)
{
	int base = fw_test_fd_baseline();
	struct fw_fence *p40, *via_file, *p30;
	struct fw_timeline *tl;
	struct vgem_fence vf;
	int sf, out, before;
	uint64_t v;

	CHECK_EQ(fw_timeline_create_drm_syncobj(render, &tl), 0);

	/* Unmaterialized point: -EINVAL and no fd at all (docs/platform.md §5). */
	before = fw_test_count_fds();
	CHECK_EQ(fw_timeline_export_sync_file(tl, 30), -EINVAL);
	CHECK_EQ(fw_test_count_fds(), before);
	/* ...so its fence is not exportable as kernel yet: soft instead. */
	p30 = fw_timeline_point_fence(tl, 30);
	CHECK(p30);
	out = fw_sync_file_create(p30);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_SOFT);
	CHECK(!readable(out, 0));
	/* CPU signal materializes (and signals) it: a signalled sync_file. */
	CHECK_EQ(fw_timeline_signal(tl, 30), 0);
	CHECK(readable(out, LONG_MS));
	close(out);
	out = fw_timeline_export_sync_file(tl, 30);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_KERNEL);
	CHECK((fcntl(out, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK_EQ(file_info(out).status, 1);
	close(out);

	/* sync_file -> point 40 (pending vgem fence) -> sync_file again. */
	sf = vgem_pending_sync_file(vgem, &vf);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 40, sf), 0);
	close(sf);
	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	CHECK_EQ(v, 30);
	out = fw_timeline_export_sync_file(tl, 40);
	CHECK(out >= 0);
	CHECK_EQ(file_info(out).status, 0);
	CHECK(!readable(out, 0));
	via_file = fw_sync_file_get_fence(out);
	CHECK(via_file);
	p40 = fw_timeline_point_fence(tl, 40);
	CHECK(p40);
	/* A materialized point's fence goes out as a kernel sync_file. */
	{
		int k = fw_sync_file_create(p40);

		CHECK(k >= 0);
		CHECK_EQ(fw_sync_file_kind(k), FW_SYNC_FILE_KERNEL);
		close(k);
	}
	CHECK_EQ(fw_fence_wait(via_file, 100000000), -ETIME);
	CHECK_EQ(fw_fence_wait(p40, 0), -ETIME);

	vgem_signal(vgem, &vf);
	CHECK(readable(out, LONG_MS));
	wait_signalled(via_file);
	wait_signalled(p40);
	CHECK_EQ(fw_timeline_wait(tl, 40, LONG_NS), 0);
	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	CHECK_EQ(v, 40);

	/* Junk refused: not a sync_file, closed fd, point 0. */
	CHECK_EQ(fw_timeline_import_sync_file(tl, 50, render), -EINVAL);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 50, -1), -EBADF);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 0, out), -EINVAL);

	close(out);
	fw_fence_put(via_file);
	fw_fence_put(p40);
	fw_fence_put(p30);
	fw_timeline_put(tl);
	fd_check(base);
}

static void test_syncobj_import_refuses_junk(void)
{
	int base = fw_test_fd_baseline();
	struct fw_timeline *tl = (struct fw_timeline *)&tl;
	struct vgem_fence vf;
	int p[2], sf;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	/* A real DRM device, but the "syncobj" is a pipe: the kernel's EINVAL. */
	CHECK_EQ(fw_timeline_import_drm_syncobj(render, p[0], &tl), -EINVAL);
	CHECK(tl == NULL);
	/* A sync_file is not a syncobj fd either. */
	sf = vgem_pending_sync_file(vgem, &vf);
	CHECK_EQ(fw_timeline_import_drm_syncobj(render, sf, &tl), -EINVAL);
	vgem_signal(vgem, &vf);
	close(sf);
	close(p[0]);
	close(p[1]);
	fd_check(base);
}

static void test_syncobj_and_kernel_merge(void)
{
	int base = fw_test_fd_baseline();
	struct fw_fence *pt, *k, *soft, *mk, *ms, *parts[2];
	struct fw_timeline *tl, *stl;
	struct vgem_fence va, vb;
	int sa, sb, out;

	CHECK_EQ(fw_timeline_create_drm_syncobj(render, &tl), 0);
	CHECK_EQ(fw_timeline_create("vm-soft", &stl), 0);
	sa = vgem_pending_sync_file(vgem, &va);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 7, sa), 0);
	close(sa);
	sb = vgem_pending_sync_file(vgem, &vb);
	k = fw_sync_file_get_fence(sb);
	close(sb);
	pt = fw_timeline_point_fence(tl, 7);
	soft = fw_timeline_point_fence(stl, 1);
	CHECK(k && pt && soft);

	/* syncobj point + kernel sync_file: a kernel sync_file, 2 points. */
	parts[0] = pt;
	parts[1] = k;
	mk = fw_fence_merge(parts, 2);
	CHECK(mk);
	CHECK(fw_fence_is_kernel(mk));
	out = fw_sync_file_create(mk);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_KERNEL);
	CHECK_EQ(file_info(out).num_fences, 2);
	close(out);

	/* syncobj point + soft point: soft. */
	parts[1] = soft;
	ms = fw_fence_merge(parts, 2);
	CHECK(ms);
	CHECK(!fw_fence_is_kernel(ms));
	out = fw_sync_file_create(ms);
	CHECK(out >= 0);
	CHECK_EQ(fw_sync_file_kind(out), FW_SYNC_FILE_SOFT);

	vgem_signal(vgem, &va);
	wait_signalled(pt);
	CHECK_EQ(fw_fence_wait(mk, 0), -ETIME);   /* k still pending */
	CHECK_EQ(fw_fence_wait(ms, 0), -ETIME);   /* soft still pending */
	CHECK(!readable(out, 0));
	vgem_signal(vgem, &vb);
	wait_signalled(mk);
	CHECK_EQ(fw_timeline_signal(stl, 1), 0);
	wait_signalled(ms);
	CHECK(readable(out, LONG_MS));
	close(out);

	fw_fence_put(mk);
	fw_fence_put(ms);
	fw_fence_put(pt);
	fw_fence_put(k);
	fw_fence_put(soft);
	fw_timeline_put(tl);
	fw_timeline_put(stl);
	fd_check(base);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	vgem = vm_open_drm("vgem", 0);
	render = vm_open_drm("virtio_gpu", 1);
	card = vm_open_drm("virtio_gpu", 0);
	if (vgem < 0 || render < 0 || card < 0) {
		fprintf(stderr, "test-vm-sync: needs vgem and virtio-gpu "
			"(found vgem %d, render %d, card %d)\n", vgem, render, card);
		/* In the lane's guest that is a failure, elsewhere a skip. */
		return getenv("FW_VM") ? 1 : 77;
	}

	RUN(test_vgem_sync_file_pending_then_signalled);
	RUN(test_vgem_sync_file_already_signalled);
	RUN(test_vgem_merge);
	RUN(test_kernel_soft_merge_is_soft);
	RUN(test_mixed_merge_status_at_once);
	RUN(test_syncobj_probes);
	RUN(test_syncobj_signal_query_wait);
	RUN(test_syncobj_async_eventfd);
	RUN(test_syncobj_async_thread_fallback);
	RUN(test_syncobj_abandoned_wait_eventfd);
	RUN(test_syncobj_abandoned_wait_thread_fallback);
	RUN(test_syncobj_sync_file_transfer);
	RUN(test_syncobj_import_refuses_junk);
	RUN(test_syncobj_and_kernel_merge);
	fprintf(stderr, "test-vm-sync: all passed\n");
	return 0;
}
