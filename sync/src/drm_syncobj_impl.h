/*
 * drm_syncobj_impl.h - private: the DRM syncobj timeline backend.
 *
 * drm_syncobj.c implements the timeline (create/import/export, CPU signal,
 * query, blocking wait, sync_file transfer); drm_syncobj_fence.c the point
 * fences and their asynchronous waits.  Both issue raw ioctls: libdrm
 * 2.4.114 and the 6.1 uAPI headers lack DRM_IOCTL_SYNCOBJ_EVENTFD, defined
 * here (kernel >= 6.6).
 */
#ifndef FENCEWAY_DRM_SYNCOBJ_IMPL_H
#define FENCEWAY_DRM_SYNCOBJ_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <drm.h>

#include "timeline_impl.h"

#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
/*
 * include/uapi/drm/drm.h, Linux 6.6.  0xCE is DRM_IOCTL_MODE_GETFB2 (an
 * early revision of the eventfd patch used it, and a probe with handle 0
 * would get ENOENT from GETFB2 too): the merged number is 0xCF.
 */
struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags; /* 0: signalled; DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE */
	__u64 point;
	__s32 fd; /* an eventfd; the kernel adds 1 to it */
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD DRM_IOWR(0xCF, struct drm_syncobj_eventfd)
#endif

/* The char-device major of every DRM minor (card, render). */
#define FW_DRM_MAJOR 226

struct drm_point;

struct drm_timeline {
	struct fw_timeline base;
	int drm_fd;	  /* our own CLOEXEC dup of the caller's DRM fd */
	uint32_t handle;  /* the syncobj on that fd */
	bool use_eventfd; /* DRM_IOCTL_SYNCOBJ_EVENTFD works (else thread) */
	pthread_mutex_t lock;
	struct drm_point *points; /* live point fences (weak), for signal() */
};

/* ioctl() that retries EINTR/EAGAIN; 0 or a negative errno. */
int fw_drm_ioctl(int fd, unsigned long request, void *arg);

/* 0 if @fd is a DRM device node, -EBADF, or -ENODEV for anything else. */
int fw_drm_check_fd(int fd);

/* The DRM timeline behind @tl, or NULL if it is another backend's. */
struct drm_timeline *fw_drm_timeline(struct fw_timeline *tl);

/*
 * DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT on one point with @flags until the
 * absolute CLOCK_MONOTONIC @deadline_ns (0: don't block).  0 once
 * reached, -ETIME, or another negative errno.
 */
int fw_drm_timeline_wait_until(struct drm_timeline *tl, uint64_t point,
			       uint32_t flags, int64_t deadline_ns);

/* timeline_ops.point_fence. */
struct fw_fence *fw_drm_point_fence(struct fw_timeline *tl, uint64_t point);

/*
 * After a CPU signal up to @value: signal this process's point fences on
 * @tl with points <= @value now, as fw_timeline_signal promises.
 */
void fw_drm_points_signal_upto(struct drm_timeline *tl, uint64_t value);

#endif
