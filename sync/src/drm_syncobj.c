/*
 * drm_syncobj.c - fw_timeline on a DRM syncobj timeline (kernel backend).
 *
 * What wlroots' render/drm_syncobj.c does with libdrm, with raw ioctls so
 * that every failure comes back as a negative errno and the ioctl libdrm
 * 2.4.114 lacks (SYNCOBJ_EVENTFD) sits next to the others.  The timeline
 * keeps its own dup of the caller's DRM fd: syncobj handles belong to the
 * open file, and a dup shares it.
 *
 * Error state: a syncobj has no sticky error of its own (a failed job shows
 * up only as the error of one point's fence), so set_error returns
 * -EOPNOTSUPP and get_error always 0 on this backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <fenceway/drm_syncobj.h>

#include "drm_syncobj_impl.h"
#include "fence_impl.h"
#include "kernel_sync_file.h"

int fw_drm_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

int fw_drm_check_fd(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != FW_DRM_MAJOR)
		return -ENODEV;
	return 0;
}

bool fw_drm_syncobj_timeline_supported(int drm_fd)
{
	struct drm_get_cap cap = {.capability = DRM_CAP_SYNCOBJ_TIMELINE};

	return fw_drm_check_fd(drm_fd) == 0 &&
	       fw_drm_ioctl(drm_fd, DRM_IOCTL_GET_CAP, &cap) == 0 &&
	       cap.value != 0;
}

/*
 * As wlroots and Mutter do: handle 0 is never a valid syncobj, so a kernel
 * that knows the ioctl looks the handle up and says ENOENT; an older one
 * rejects the ioctl number itself (EINVAL/ENOTTY).
 */
bool fw_drm_syncobj_eventfd_supported(int drm_fd)
{
	struct drm_syncobj_eventfd args = {.handle = 0, .fd = -1};

	return fw_drm_syncobj_timeline_supported(drm_fd) &&
	       fw_drm_ioctl(drm_fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &args) ==
		       -ENOENT;
}

static const struct fw_timeline_ops drm_timeline_ops;

struct drm_timeline *fw_drm_timeline(struct fw_timeline *tl)
{
	return tl && tl->ops == &drm_timeline_ops ? (struct drm_timeline *)tl
						  : NULL;
}

int fw_drm_timeline_wait_until(struct drm_timeline *tl, uint64_t point,
			       uint32_t flags, int64_t deadline_ns)
{
	struct drm_syncobj_timeline_wait args = {
		.handles = (uintptr_t)&tl->handle,
		.points = (uintptr_t)&point,
		.timeout_nsec = deadline_ns, /* absolute, CLOCK_MONOTONIC */
		.count_handles = 1,
		.flags = flags,
	};

	return fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &args);
}

static int syncobj_create(int drm_fd, uint32_t *handle)
{
	struct drm_syncobj_create args = {.flags = 0};
	int ret = fw_drm_ioctl(drm_fd, DRM_IOCTL_SYNCOBJ_CREATE, &args);

	if (ret == 0)
		*handle = args.handle;
	return ret;
}

static void syncobj_destroy(int drm_fd, uint32_t handle)
{
	struct drm_syncobj_destroy args = {.handle = handle};

	fw_drm_ioctl(drm_fd, DRM_IOCTL_SYNCOBJ_DESTROY, &args);
}

/* Copy point @src_point of @src to point @dst_point of @dst. */
static int syncobj_transfer(int drm_fd, uint32_t src, uint64_t src_point,
			    uint32_t dst, uint64_t dst_point)
{
	struct drm_syncobj_transfer args = {
		.src_handle = src,
		.dst_handle = dst,
		.src_point = src_point,
		.dst_point = dst_point,
	};

	return fw_drm_ioctl(drm_fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &args);
}

static int drm_export_fd(struct fw_timeline *base)
{
	struct drm_timeline *tl = fw_drm_timeline(base);
	struct drm_syncobj_handle args = {.handle = tl->handle};
	int ret =
		fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &args);

	/* The kernel installs it O_CLOEXEC (drm_syncobj_handle_to_fd). */
	return ret < 0 ? ret : args.fd;
}

static int drm_query(struct fw_timeline *base, uint64_t *value)
{
	struct drm_timeline *tl = fw_drm_timeline(base);
	uint64_t point = 0;
	struct drm_syncobj_timeline_array args = {
		.handles = (uintptr_t)&tl->handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
		.flags =
			0, /* the last signalled point, not the last submitted */
	};
	int ret = fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_QUERY, &args);

	if (ret == 0)
		*value = point;
	return ret;
}

static int drm_signal(struct fw_timeline *base, uint64_t point)
{
	struct drm_timeline *tl = fw_drm_timeline(base);
	struct drm_syncobj_timeline_array args = {
		.handles = (uintptr_t)&tl->handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
	};
	uint64_t value = 0;
	int ret;

	/*
	 * The counter never goes down.  The kernel would append a point
	 * lower than the last one (it only logs "unordered point"), so ask
	 * first (point 0 is always reached: never sent to the kernel, which
	 * would take it for the binary fence).
	 */
	ret = drm_query(base, &value);
	if (ret < 0)
		return ret;
	if (point <= value) {
		/*
		 * Reached already (another process, or the GPU): still keep
		 * the promise that our fences <= point are signalled on
		 * return, not only when their eventfds come in.
		 */
		fw_drm_points_signal_upto(tl, point);
		return 0;
	}
	ret = fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
			   &args);
	if (ret < 0)
		return ret;
	fw_drm_points_signal_upto(tl, point);
	return 0;
}

static int drm_set_error(struct fw_timeline *base, int error)
{
	return -EOPNOTSUPP;
}

static int drm_get_error(struct fw_timeline *base)
{
	return 0;
}

static int drm_wait(struct fw_timeline *base, uint64_t point,
		    int64_t timeout_ns)
{
	struct drm_timeline *tl = fw_drm_timeline(base);
	int64_t deadline;

	if (point == 0)
		return 0; /* every counter is >= 0; see drm_syncobj_fence.c */
	if (timeout_ns < 0) {
		deadline = INT64_MAX;
	} else if (timeout_ns == 0) {
		deadline = 0;
	} else {
		deadline = fw_now_ns();
		deadline = timeout_ns > INT64_MAX - deadline
				   ? INT64_MAX
				   : deadline + timeout_ns;
	}
	/* WAIT_FOR_SUBMIT: a point nobody submitted yet is waited for too. */
	return fw_drm_timeline_wait_until(
		tl, point, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, deadline);
}

static void drm_destroy(struct fw_timeline *base)
{
	struct drm_timeline *tl = fw_drm_timeline(base);

	syncobj_destroy(tl->drm_fd, tl->handle);
	close(tl->drm_fd);
	pthread_mutex_destroy(&tl->lock);
	free(tl);
}

static const struct fw_timeline_ops drm_timeline_ops = {
	.backend = FW_BACKEND_KERNEL,
	.export_fd = drm_export_fd,
	.signal = drm_signal,
	.set_error = drm_set_error,
	.query = drm_query,
	.get_error = drm_get_error,
	.point_fence = fw_drm_point_fence,
	.wait = drm_wait,
	.destroy = drm_destroy,
};

/*
 * A timeline on our dup of @drm_fd (borrowed): around the syncobj fd
 * @syncobj_fd (borrowed) if >= 0, else a new syncobj.  Everything made is
 * undone on every error path.
 */
static int timeline_new(int drm_fd, int syncobj_fd, struct fw_timeline **out)
{
	struct drm_timeline *tl;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = fw_drm_check_fd(drm_fd);
	if (ret < 0)
		return ret;
	if (!fw_drm_syncobj_timeline_supported(drm_fd))
		return -EOPNOTSUPP;
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return -ENOMEM;
	tl->drm_fd = fcntl(drm_fd, F_DUPFD_CLOEXEC, 0);
	if (tl->drm_fd < 0) {
		ret = -errno;
		free(tl);
		return ret;
	}
	if (syncobj_fd >= 0) {
		struct drm_syncobj_handle args = {.fd = syncobj_fd};

		ret = fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
				   &args);
		tl->handle = args.handle;
	} else {
		ret = syncobj_create(tl->drm_fd, &tl->handle);
	}
	if (ret < 0)
		goto fail_fd;
	ret = fw_timeline_init(&tl->base, &drm_timeline_ops, "drm-syncobj");
	if (ret < 0)
		goto fail_handle;
	pthread_mutex_init(&tl->lock, NULL);
	/*
	 * FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD=1 forces the thread fallback, so
	 * the qemu lane exercises it on a kernel that has the ioctl.
	 */
	tl->use_eventfd = fw_drm_syncobj_eventfd_supported(tl->drm_fd);
	{
		const char *force = getenv("FENCEWAY_SYNC_NO_SYNCOBJ_EVENTFD");

		if (force && strcmp(force, "1") == 0)
			tl->use_eventfd = false;
	}
	*out = &tl->base;
	return 0;

fail_handle:
	syncobj_destroy(tl->drm_fd, tl->handle);
fail_fd:
	close(tl->drm_fd);
	free(tl);
	return ret;
}

int fw_timeline_create_drm_syncobj(int drm_fd, struct fw_timeline **out)
{
	return timeline_new(drm_fd, -1, out);
}

int fw_timeline_import_drm_syncobj(int drm_fd, int syncobj_fd,
				   struct fw_timeline **out)
{
	if (syncobj_fd < 0 || fcntl(syncobj_fd, F_GETFD) < 0) {
		if (out)
			*out = NULL;
		return -EBADF;
	}
	/* A junk fd: the kernel's FD_TO_HANDLE says EINVAL. */
	return timeline_new(drm_fd, syncobj_fd, out);
}

/*
 * The kernel timeline behind @base for the sync_file import/export calls:
 * -EINVAL for NULL, -EOPNOTSUPP for a soft timeline (they have no DRM
 * syncobj to carry a kernel fence).
 */
static int kernel_timeline(struct fw_timeline *base, struct drm_timeline **out)
{
	if (!base)
		return -EINVAL;
	*out = fw_drm_timeline(base);
	return *out ? 0 : -EOPNOTSUPP;
}

int fw_timeline_export_sync_file(struct fw_timeline *base, uint64_t point)
{
	struct drm_timeline *tl;
	struct drm_syncobj_handle args = {
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
	};
	uint32_t tmp = 0;
	int ret;

	ret = kernel_timeline(base, &tl);
	if (ret < 0)
		return ret;
	/*
	 * Only a materialized point has a fence to export (docs/platform.md §5):
	 * check without blocking, and never hand out a bogus fd.
	 */
	ret = fw_drm_timeline_wait_until(
		tl, point, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0);
	if (ret == -ETIME || ret == -EINVAL)
		return -EINVAL;
	if (ret < 0)
		return ret;
	/* Point -> a temporary binary syncobj -> its fence as a sync_file. */
	ret = syncobj_create(tl->drm_fd, &tmp);
	if (ret < 0)
		return ret;
	ret = syncobj_transfer(tl->drm_fd, tl->handle, point, tmp, 0);
	if (ret == 0) {
		args.handle = tmp;
		ret = fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
				   &args);
	}
	syncobj_destroy(tl->drm_fd, tmp);
	return ret < 0 ? ret : args.fd;
}

int fw_timeline_import_sync_file(struct fw_timeline *base, uint64_t point,
				 int sync_file_fd)
{
	struct drm_timeline *tl;
	struct drm_syncobj_handle args = {
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = sync_file_fd,
	};
	uint32_t tmp = 0;
	int ret;

	ret = kernel_timeline(base, &tl);
	if (ret < 0)
		return ret;
	if (sync_file_fd < 0 || fcntl(sync_file_fd, F_GETFD) < 0)
		return -EBADF;
	if (!fw_kernel_sync_file_is(sync_file_fd))
		return -EINVAL;
	if (point == 0)
		return -EINVAL; /* point 0 is the binary slot, not a point */
	/*
	 * Portable form (docs/platform.md §5): sync_file -> a temporary binary
	 * syncobj -> transfer to the timeline point.
	 */
	ret = syncobj_create(tl->drm_fd, &tmp);
	if (ret < 0)
		return ret;
	args.handle = tmp;
	ret = fw_drm_ioctl(tl->drm_fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &args);
	if (ret == 0)
		ret = syncobj_transfer(tl->drm_fd, tmp, 0, tl->handle, point);
	syncobj_destroy(tl->drm_fd, tmp);
	return ret;
}
