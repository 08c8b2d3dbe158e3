/*
 * libsync.c - the kernel sync selftests' helper API (docs/libsync.md).
 *
 * Conventions are the selftests': -1 with errno, not negative errnos.
 * Timelines are soft timeline memfds; fences are sync files of either kind.
 * This layer keeps no state of its own: a timeline fd is resolved to the
 * process's object for its inode on each call (soft_timeline.c keeps one
 * object per inode while anything, e.g. a pending fence, holds it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#include <fenceway/libsync.h>

#include "fence_impl.h"
#include "kernel_sync_file.h"
#include "soft_sync_file.h"
#include "soft_timeline.h"
#include "sync_file_impl.h"

/* Set errno from a negative errno and return -1 (the selftests' style). */
static int fail(int neg_errno)
{
	errno = -neg_errno;
	return -1;
}

/* An open fd that is not what was asked for is EINVAL; a closed one EBADF. */
static int refuse(int fd)
{
	return fail(fcntl(fd, F_GETFD) < 0 ? -EBADF : -EINVAL);
}

/*
 * The process's timeline object for soft timeline @fd (a new reference).
 * The import returns the object the process already has for the inode,
 * after refusing an fd not opened read-write (EACCES).
 */
static struct fw_timeline *timeline_of(int fd)
{
	struct fw_timeline *tl;
	int ret;

	if (!fw_soft_timeline_fd_is_soft(fd)) {
		refuse(fd);
		return NULL;
	}
	ret = fw_soft_timeline_import(fd, &tl);
	if (ret < 0) {
		fail(ret);
		return NULL;
	}
	return tl;
}

int sw_sync_timeline_create(void)
{
	/* Like the kernel's sw_sync, name the timeline after the process. */
	char comm[17] = "";
	struct fw_timeline *tl;
	int ret, fd;

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	ret = fw_soft_timeline_create(comm, &tl);
	if (ret < 0)
		return fail(ret);
	fd = fw_timeline_export_fd(tl);
	fw_timeline_put(tl);
	return fd < 0 ? fail(fd) : fd;
}

int sw_sync_timeline_is_valid(int fd)
{
	int saved = errno;
	int ret = fd >= 0 && fw_soft_timeline_fd_is_soft(fd);

	errno = saved;
	return ret;
}

int sw_sync_timeline_inc(int fd, unsigned count)
{
	struct fw_timeline *tl = timeline_of(fd);
	int ret;

	if (!tl)
		return -1;
	ret = fw_soft_timeline_advance(tl, count, NULL);
	fw_timeline_put(tl);
	return ret < 0 ? fail(ret) : 0;
}

void sw_sync_timeline_destroy(int fd)
{
	int saved = errno;

	if (fd < 0 || !fw_soft_timeline_fd_is_soft(fd))
		return;
	/* Failing fences is write power: a read-only fd is only closed. */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR)
		fw_soft_timeline_fail_local_by_fd(fd, -ENOENT);
	close(fd);
	errno = saved;
}

int sw_sync_fence_create(int tl_fd, const char *name, unsigned value)
{
	struct fw_timeline *tl = timeline_of(tl_fd);
	struct fw_fence *fence;
	int fd;

	if (!tl)
		return -1;
	fence = fw_timeline_point_fence(tl, value);
	fw_timeline_put(tl);
	if (!fence)
		return -1;
	fd = fw_sync_file_create_named(fence, name, 0);
	fw_fence_put(fence);
	return fd < 0 ? fail(fd) : fd;
}

int sw_sync_fence_is_valid(int fd)
{
	return fd >= 0 && fw_sync_file_kind(fd) != FW_SYNC_FILE_NONE;
}

void sw_sync_fence_destroy(int fd)
{
	if (sw_sync_fence_is_valid(fd))
		close(fd);
}

int sync_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t end = timeout_ms > 0 ? fw_now_ns() + timeout_ms * 1000000LL : 0;
	int ret;

	if (fd < 0 || fw_sync_file_kind(fd) == FW_SYNC_FILE_NONE)
		return refuse(fd);
	for (;;) {
		ret = poll(&pfd, 1, timeout_ms);
		if (ret >= 0 || errno != EINTR)
			return ret;
		/* Interrupted: go on with what is left of the timeout. */
		if (timeout_ms > 0) {
			int64_t left = end - fw_now_ns();

			timeout_ms =
				left > 0 ? (int)((left + 999999) / 1000000) : 0;
		}
	}
}

static void copy_name(char dst[32], const char *src)
{
	size_t n = strnlen(src ? src : "", 31);

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* SYNC_IOC_MERGE of two kernel sync_files: the kernel names the result. */
static int kernel_merge(const char *name, int fd1, int fd2)
{
	struct sync_merge_data data = {.fd2 = fd2};

	copy_name(data.name, name);
	if (ioctl(fd1, SYNC_IOC_MERGE, &data) < 0)
		return -1;
	return data.fence;
}

int sync_merge(const char *name, int fd1, int fd2)
{
	enum fw_sync_file_kind k1, k2;
	struct fw_fence *fences[2] = {NULL, NULL}, *merged;
	int fd;

	if (fd1 < 0 || (k1 = fw_sync_file_kind(fd1)) == FW_SYNC_FILE_NONE)
		return refuse(fd1);
	if (fd2 < 0 || (k2 = fw_sync_file_kind(fd2)) == FW_SYNC_FILE_NONE)
		return refuse(fd2);
	if (k1 == FW_SYNC_FILE_KERNEL && k2 == FW_SYNC_FILE_KERNEL)
		return kernel_merge(name, fd1, fd2);

	fences[0] = fw_sync_file_get_fence(fd1);
	fences[1] = fences[0] ? fw_sync_file_get_fence(fd2) : NULL;
	merged = fences[1] ? fw_fence_merge(fences, 2) : NULL;
	fd = merged ? fw_sync_file_create_named(merged, name, 0) : -errno;
	fw_fence_put(merged);
	fw_fence_put(fences[1]);
	fw_fence_put(fences[0]);
	return fd < 0 ? fail(fd) : fd;
}

/* One allocation: the info, then its array (what sync_file_info_free frees). */
static struct sync_file_info *info_alloc(uint32_t n)
{
	struct sync_file_info *info = calloc(
		1, sizeof(*info) + (size_t)n * sizeof(struct sync_fence_info));

	if (!info)
		return NULL;
	info->num_fences = n;
	info->sync_fence_info = (uintptr_t)(info + 1);
	return info;
}

static struct sync_file_info *kernel_info(int fd)
{
	struct sync_file_info probe = {0}, *info;

	/* First ask how many fences, then fetch them into our allocation. */
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &probe) < 0)
		return NULL;
	info = info_alloc(probe.num_fences);
	if (!info)
		return NULL;
	if (probe.num_fences && ioctl(fd, SYNC_IOC_FILE_INFO, info) < 0) {
		free(info);
		return NULL;
	}
	if (!probe.num_fences)
		*info = probe;
	info->sync_fence_info = (uintptr_t)(info + 1);
	return info;
}

/*
 * A merge's status from its points' (as fence_merge.c decides it): active
 * while any point is, else the error of the point that failed first, else
 * signalled.
 */
static int points_status(const struct sync_fence_info *pts, size_t n)
{
	uint64_t first = UINT64_MAX;
	int status = 1;

	for (size_t i = 0; i < n; i++) {
		if (pts[i].status == 0)
			return 0;
		if (pts[i].status < 0 && pts[i].timestamp_ns < first) {
			first = pts[i].timestamp_ns;
			status = pts[i].status;
		}
	}
	return status;
}

/* A live fence of this process: read its points as they are now. */
static struct sync_file_info *fence_info(struct fw_fence *fence,
					 const char *name)
{
	size_t n = fw_fence_num_points(fence);
	struct sync_file_info *info = info_alloc(n);
	struct sync_fence_info *pts;

	if (!info)
		return NULL;
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	copy_name(info->name, name);
	for (size_t i = 0; i < n; i++) {
		struct fw_fence *pt = fw_fence_point(fence, i);
		int64_t ts = fw_fence_signal_time(pt);
		int status = fw_fence_get_status(pt);

		/*
		 * A kernel part that the library's fd thread has not seen
		 * signal yet: ask the kernel, as SYNC_IOC_FILE_INFO would,
		 * so the answer does not wait for that thread.
		 */
		if (status == FW_FENCE_PENDING)
			fw_kernel_sync_file_peek(pt, &status, &ts);
		copy_name(pts[i].obj_name, fw_fence_timeline_name(pt));
		copy_name(pts[i].driver_name, fw_fence_driver_name(pt));
		pts[i].status = status;
		pts[i].timestamp_ns = ts > 0 ? (uint64_t)ts : 0;
	}
	info->status = fw_fence_get_status(fence);
	if (info->status == FW_FENCE_PENDING)
		info->status = points_status(pts, n);
	return info;
}

static struct sync_file_info *soft_info(int fd)
{
	struct fw_soft_sync_view view;
	struct sync_file_info *info;
	int ret = fw_soft_sync_file_view(fd, &view);

	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	if (view.fence) {
		info = fence_info(view.fence, view.name);
	} else {
		info = info_alloc(view.num_points);
		if (info) {
			copy_name(info->name, view.name);
			info->status = view.status;
			memcpy((void *)(uintptr_t)info->sync_fence_info,
			       view.points,
			       view.num_points * sizeof(*view.points));
		}
	}
	fw_soft_sync_view_release(&view);
	if (!info)
		errno = ENOMEM;
	return info;
}

struct sync_file_info *sync_file_info(int fd)
{
	switch (fd < 0 ? FW_SYNC_FILE_NONE : fw_sync_file_kind(fd)) {
	case FW_SYNC_FILE_SOFT:
		return soft_info(fd);
	case FW_SYNC_FILE_KERNEL:
		return kernel_info(fd);
	default:
		refuse(fd);
		return NULL;
	}
}

void sync_file_info_free(struct sync_file_info *info)
{
	free(info);
}

int sync_fence_size(int fd)
{
	struct sync_file_info *info = sync_file_info(fd);
	int n;

	if (!info)
		return 0;
	n = (int)info->num_fences;
	sync_file_info_free(info);
	return n;
}

int sync_fence_count_with_status(int fd, int status)
{
	struct sync_file_info *info = sync_file_info(fd);
	struct sync_fence_info *pts;
	int count = 0;

	if (!info)
		return -1;
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	for (uint32_t i = 0; i < info->num_fences; i++) {
		/* -1 stands for any error, as FENCE_STATUS_ERROR does. */
		if (status < 0 ? pts[i].status < 0 : pts[i].status == status)
			count++;
	}
	sync_file_info_free(info);
	return count;
}
