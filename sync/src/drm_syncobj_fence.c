/*
 * drm_syncobj_fence.c - fences for points of a DRM syncobj timeline.
 *
 * A point fence costs nothing until somebody cares (enable_signaling).
 * Then, unless the point has already signalled:
 *  - kernel >= 6.6: DRM_IOCTL_SYNCOBJ_EVENTFD hands the kernel an eventfd
 *    that it bumps when the point signals (also when it is submitted only
 *    later: wait-before-submit is fine), and the library's fd_watch thread
 *    waits for it.  One eventfd per waited point, as in wlroots.
 *  - otherwise: a small detached thread blocks in
 *    DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT (WAIT_FOR_SUBMIT) with a one-second
 *    deadline in a loop.  Nothing can interrupt that ioctl, so the deadline
 *    is what lets the thread notice that nobody holds the fence any more
 *    and quit; it is not polling the point (the kernel wakes it).
 * The fence holds a timeline reference.  The fallback thread holds a fence
 * reference while it waits; the eventfd watch does not: a point may never
 * be submitted (a client that gave up), and a watch that pinned the fence
 * would pin the syncobj, whose destruction is the only thing that would
 * ever release the kernel's eventfd entry.  So the watch only takes a
 * reference when it fires and the fence is still alive, and the fence's
 * release removes the watch (which waits for a running callback).
 *
 * The timeline also keeps a weak list of its live point fences, so a CPU
 * signal from this process signals them before fw_timeline_signal returns.
 *
 * The outcome is always success: a syncobj point carries no error that
 * userspace could read without exporting it (see drm_syncobj.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fenceway/drm_syncobj.h>

#include "drm_syncobj_impl.h"
#include "fd_watch.h"
#include "fence_impl.h"

/* The fallback thread's deadline: how long a forgotten wait lingers. */
#define FALLBACK_SLICE_NS 1000000000LL

struct drm_point {
	struct fw_fence base;
	struct drm_timeline *tl; /* a reference */
	uint64_t point;
	int efd;		       /* eventfd, or -1 */
	struct fw_fd_watch *watch;     /* on efd, removed on release */
	struct drm_point *prev, *next; /* tl->points, under tl->lock */
};

static struct drm_point *to_point(struct fw_fence *fence)
{
	return (struct drm_point *)fence;
}

static void on_eventfd(int fd, uint32_t events, void *data)
{
	struct drm_point *p = data;

	/* Refcount 0: the fence is being released; release waits for us. */
	if (!fw_fence_get_unless_zero(&p->base))
		return;
	fw_fence_signal(&p->base, 0);
	fw_fence_put(&p->base); /* may release: the watch is removed there */
}

static void *fallback_main(void *data)
{
	struct drm_point *p = data;
	int ret;

	for (;;) {
		ret = fw_drm_timeline_wait_until(
			p->tl, p->point, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
			fw_now_ns() + FALLBACK_SLICE_NS);
		if (ret != -ETIME)
			break;
		/*
		 * Only our reference left: no waiter, no callback; nobody can
		 * get the fence back (the timeline's list is weak), so stop.
		 */
		if (atomic_load(&p->base.refcount) == 1 ||
		    fw_fence_is_signaled(&p->base))
			goto out;
	}
	fw_fence_signal(&p->base, ret);
out:
	fw_fence_put(&p->base); /* the thread's reference */
	return NULL;
}

static int start_fallback(struct drm_point *p)
{
	pthread_attr_t attr;
	pthread_t thread;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	fw_fence_get(&p->base);
	ret = pthread_create(&thread, &attr, fallback_main, p);
	pthread_attr_destroy(&attr);
	if (ret) {
		fw_fence_put(&p->base);
		return -ret;
	}
	return 0;
}

/* 0 if the eventfd wait is armed, else a negative errno (then fall back). */
static int start_eventfd(struct drm_point *p)
{
	struct drm_syncobj_eventfd args = {
		.handle = p->tl->handle,
		.flags = 0, /* signalled, not merely available */
		.point = p->point,
	};
	int ret;

	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		return -errno;
	args.fd = p->efd;
	ret = fw_drm_ioctl(p->tl->drm_fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &args);
	if (ret < 0)
		goto fail;
	p->watch = fw_fd_watch_add(p->efd, EPOLLIN, 0, on_eventfd, p);
	if (!p->watch) {
		ret = -errno;
		/*
		 * The kernel holds its own reference to the eventfd file and
		 * may still bump it; closing ours is fine.
		 */
		goto fail;
	}
	return 0;
fail:
	close(p->efd);
	p->efd = -1;
	return ret;
}

static void point_enable_signaling(struct fw_fence *fence)
{
	struct drm_point *p = to_point(fence);
	int ret;

	/*
	 * Point 0 is reached by every counter (as on soft timelines); the
	 * kernel would read it as "the binary fence", which a fresh
	 * timeline does not have.
	 */
	if (p->point == 0) {
		fw_fence_signal(fence, 0);
		return;
	}
	ret = fw_drm_timeline_wait_until(
		p->tl, p->point, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0);
	if (ret == 0) {
		fw_fence_signal(fence, 0);
		return;
	}
	if (ret != -ETIME) {
		fw_fence_signal(fence, ret);
		return;
	}
	if (p->tl->use_eventfd && start_eventfd(p) == 0)
		return;
	ret = start_fallback(p);
	if (ret < 0)
		fw_fence_signal(fence, ret); /* never leave waiters hanging */
}

/*
 * Status queries ask the kernel (a zero-timeout wait never blocks), so a
 * point reached by another process or the GPU reads as signalled at once,
 * before any eventfd or thread has told us.
 */
static int point_signaled(struct fw_fence *fence)
{
	struct drm_point *p = to_point(fence);

	if (p->point == 0 ||
	    fw_drm_timeline_wait_until(p->tl, p->point,
				       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
				       0) == 0)
		return FW_FENCE_SIGNALED;
	return FW_FENCE_PENDING;
}

/*
 * A kernel sync_file for a materialized point.  Not materialized yet is
 * -EOPNOTSUPP, not an error: the caller (fw_sync_file_create) then makes
 * a soft sync file that follows the point instead.
 */
static int point_export(struct fw_fence *fence)
{
	struct drm_point *p = to_point(fence);
	int fd = fw_timeline_export_sync_file(&p->tl->base, p->point);

	return fd == -EINVAL ? -EOPNOTSUPP : fd;
}

static void point_release(struct fw_fence *fence)
{
	struct drm_point *p = to_point(fence);
	struct drm_timeline *tl = p->tl;

	pthread_mutex_lock(&tl->lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		tl->points = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pthread_mutex_unlock(&tl->lock);
	/* Before closing efd: the watch must be out of epoll first. */
	fw_fd_watch_remove(p->watch);
	if (p->efd >= 0)
		close(p->efd);
	free(p);
	fw_timeline_put(&tl->base);
}

static const struct fw_fence_ops point_fence_ops = {
	.driver_name = "fenceway-drm-syncobj",
	.enable_signaling = point_enable_signaling,
	.signaled = point_signaled,
	.export_kernel_sync_file = point_export,
	.release = point_release,
};

struct fw_fence *fw_drm_point_fence(struct fw_timeline *base, uint64_t point)
{
	struct drm_timeline *tl = fw_drm_timeline(base);
	struct drm_point *p;
	int ret;

	if (!tl) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	ret = fw_fence_init(&p->base, &point_fence_ops, base->context, point,
			    base->name);
	if (ret < 0) {
		free(p);
		errno = -ret;
		return NULL;
	}
	p->efd = -1;
	p->point = point;
	p->tl = tl;
	fw_timeline_get(base);
	pthread_mutex_lock(&tl->lock);
	p->next = tl->points;
	if (p->next)
		p->next->prev = p;
	tl->points = p;
	pthread_mutex_unlock(&tl->lock);
	return &p->base;
}

void fw_drm_points_signal_upto(struct drm_timeline *tl, uint64_t value)
{
	struct drm_point **due = NULL, **grown, *p;
	size_t n = 0, cap = 0;

	/*
	 * Take references under the lock (skipping fences already on their
	 * way out), signal with no lock held: callbacks may drop the last
	 * reference, and release takes the lock.
	 */
	pthread_mutex_lock(&tl->lock);
	for (p = tl->points; p; p = p->next) {
		if (p->point > value)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(due, cap * sizeof(*due));
			if (!grown)
				break; /* the kernel still signals the rest */
			due = grown;
		}
		/* A fence at refcount 0 is being released: leave it alone. */
		if (fw_fence_get_unless_zero(&p->base))
			due[n++] = p;
	}
	pthread_mutex_unlock(&tl->lock);
	for (size_t i = 0; i < n; i++) {
		fw_fence_signal(&due[i]->base, 0);
		fw_fence_put(&due[i]->base);
	}
	free(due);
}
