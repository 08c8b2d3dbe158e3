/*
 * kernel_sync_file.c - kernel sync_file fds as fw_fences (kernel backend).
 *
 * The fence keeps its own dup of the sync_file.  Nothing happens until
 * somebody cares (enable_signaling): then a zero-cost SYNC_IOC_FILE_INFO
 * tells whether it already signalled, and otherwise the library's fd_watch
 * thread waits for POLLIN (the kernel's sync_file poll reports only POLLIN,
 * for success and error alike) and reads the outcome with FILE_INFO again.
 *
 * Lifetime: an armed watch holds a reference to the fence, like a dma_fence
 * callback the kernel is about to run, so the fence (and the fd the epoll
 * set refers to) cannot go away under the watch thread.  The watch frees
 * itself after it fired (FW_FD_WATCH_AUTO_FREE); kernel fences always
 * signal eventually, so that reference is always dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include "fd_watch.h"
#include "fence_impl.h"
#include "kernel_sync_file.h"

struct kernel_fence {
	struct fw_fence base;
	int fd; /* our own dup of the sync_file, closed on release */
};

static struct kernel_fence *to_kernel(struct fw_fence *fence)
{
	return (struct kernel_fence *)fence;
}

/*
 * The sync_file's overall status: 1 signalled, 0 active, < 0 the error the
 * fence failed with; or the ioctl's negative errno.
 */
static int sync_file_status(int fd, int *status)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) < 0)
		return -errno;
	*status = info.status;
	return 0;
}

/*
 * The kernel names every sync_file's anonymous inode "sync_file"; checking
 * the link first keeps us from issuing SYNC_IOC_FILE_INFO (a '>' ioctl) on
 * unrelated files whose drivers might misread the number.  Where /proc is
 * not mounted, the ioctl alone decides.
 */
static bool looks_like_sync_file(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return true;
	target[n] = '\0';
	return strcmp(target, "anon_inode:sync_file") == 0;
}

bool fw_kernel_sync_file_is(int fd)
{
	int saved = errno, status;
	bool is;

	is = fd >= 0 && looks_like_sync_file(fd) &&
	     sync_file_status(fd, &status) == 0;
	errno = saved;
	return is;
}

/* The sync_file's name (e.g. the driver's fence name) and status. */
static void read_info(int fd, char *name, size_t size, int *status)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	snprintf(name, size, "sync_file");
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) < 0)
		return;
	if (info.name[0])
		snprintf(name, size, "%.*s", (int)sizeof(info.name), info.name);
	*status = info.status;
}

/* fw_fence_signal's status: 0 for success, else the negative errno. */
static int outcome(int status)
{
	return status == 1 ? 0 : status;
}

/*
 * When a signalled sync_file signalled, by the kernel's clock (ktime_get,
 * CLOCK_MONOTONIC like ours): the latest timestamp of its fences.  The
 * fence then reports the kernel's time, not the moment we noticed.  0 if
 * it cannot be read (the caller then uses now).
 */
static int64_t signal_time(int fd)
{
	struct sync_fence_info fences[16];
	struct sync_file_info info;
	int64_t latest = 0;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) < 0 || info.num_fences == 0)
		return 0;
	/* A merge of more fences than that: now is close enough. */
	if (info.num_fences > 16)
		return 0;
	memset(fences, 0, sizeof(fences));
	info.sync_fence_info = (uintptr_t)fences;
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) < 0)
		return 0;
	for (uint32_t i = 0; i < info.num_fences; i++)
		if ((int64_t)fences[i].timestamp_ns > latest)
			latest = (int64_t)fences[i].timestamp_ns;
	return latest;
}

/* Record the outcome of signalled sync_file @fd on @fence. */
static void signal_from(struct fw_fence *fence, int fd, int status)
{
	int64_t ts = status == 0 ? 0 : signal_time(fd);

	if (ts > 0)
		fw_fence_signal_timestamp(fence, outcome(status), ts);
	else
		fw_fence_signal(fence, outcome(status));
}

static void on_readable(int fd, uint32_t events, void *data)
{
	struct kernel_fence *kf = data;
	int status = 0, ret = sync_file_status(fd, &status);

	if (ret < 0)
		fw_fence_signal(&kf->base, ret);
	else if (status != 0)
		signal_from(&kf->base, fd, status);
	else
		/*
		 * POLLIN without a signalled fence cannot happen with the
		 * kernel's sync_file; if it did (EPOLLERR/HUP on a strange
		 * fd), report it rather than wait forever.
		 */
		fw_fence_signal(&kf->base, (events & (EPOLLERR | EPOLLHUP))
						   ? -EIO
						   : -EPROTO);
	fw_fence_put(&kf->base); /* the watch's reference */
}

static void kernel_enable_signaling(struct fw_fence *fence)
{
	struct kernel_fence *kf = to_kernel(fence);
	int status = 0, ret;

	ret = sync_file_status(kf->fd, &status);
	if (ret < 0) {
		fw_fence_signal(fence, ret);
		return;
	}
	if (status != 0) {
		signal_from(fence, kf->fd, status);
		return;
	}
	fw_fence_get(fence);
	if (!fw_fd_watch_add(kf->fd, EPOLLIN, FW_FD_WATCH_AUTO_FREE,
			     on_readable, kf)) {
		/*
		 * No way to learn the outcome (out of memory or fds): fail
		 * the fence now rather than leave its waiters hanging.
		 */
		ret = -errno;
		fw_fence_signal(fence, ret);
		fw_fence_put(fence);
	}
}

static int kernel_export(struct fw_fence *fence)
{
	int fd = fcntl(to_kernel(fence)->fd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static void kernel_release(struct fw_fence *fence)
{
	struct kernel_fence *kf = to_kernel(fence);

	close(kf->fd);
	free(kf);
}

static const struct fw_fence_ops kernel_fence_ops = {
	.driver_name = FW_KERNEL_SYNC_FILE_DRIVER,
	.imported = true,
	.enable_signaling = kernel_enable_signaling,
	.export_kernel_sync_file = kernel_export,
	.release = kernel_release,
};

struct fw_fence *fw_kernel_sync_file_import(int fd)
{
	struct kernel_fence *kf;
	char name[64];
	int ret, status = 0;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return NULL;
	}
	if (!fw_kernel_sync_file_is(fd)) {
		errno = EINVAL;
		return NULL;
	}
	kf = calloc(1, sizeof(*kf));
	if (!kf) {
		errno = ENOMEM;
		return NULL;
	}
	kf->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (kf->fd < 0) {
		ret = errno;
		free(kf);
		errno = ret;
		return NULL;
	}
	/* The timeline name says where it came from, for sync_file_info. */
	read_info(kf->fd, name, sizeof(name), &status);
	ret = fw_fence_init(&kf->base, &kernel_fence_ops,
			    fw_fence_context_alloc(1), 1, name);
	if (ret < 0) {
		close(kf->fd);
		free(kf);
		errno = -ret;
		return NULL;
	}
	/* Already signalled: record it now, no watch will ever be needed. */
	if (status != 0)
		signal_from(&kf->base, kf->fd, status);
	return &kf->base;
}

bool fw_kernel_sync_file_peek(struct fw_fence *fence, int *status,
			      int64_t *timestamp_ns)
{
	int st = 0;

	if (!fence || fence->ops != &kernel_fence_ops ||
	    sync_file_status(to_kernel(fence)->fd, &st) < 0)
		return false;
	*status = st;
	*timestamp_ns = st != 0 ? signal_time(to_kernel(fence)->fd) : 0;
	return true;
}

int fw_kernel_sync_file_merge(int fd1, int fd2)
{
	struct sync_merge_data data;

	if (!fw_kernel_sync_file_is(fd1) || !fw_kernel_sync_file_is(fd2))
		return -EINVAL;
	memset(&data, 0, sizeof(data));
	snprintf(data.name, sizeof(data.name), "fenceway-merge");
	data.fd2 = fd2;
	/* The kernel installs the new fd with O_CLOEXEC. */
	if (ioctl(fd1, SYNC_IOC_MERGE, &data) < 0)
		return -errno;
	return data.fence;
}

bool fw_fence_is_kernel(struct fw_fence *fence)
{
	size_t n = fw_fence_num_points(fence);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct fw_fence *p = fw_fence_point(fence, i);

		if (!p || !p->ops || !p->ops->export_kernel_sync_file)
			return false;
	}
	return true;
}

int fw_kernel_sync_file_export(struct fw_fence *fence)
{
	size_t n;
	int fd = -1;

	if (!fence)
		return -EINVAL;
	if (!fw_fence_is_kernel(fence))
		return -EOPNOTSUPP;
	n = fw_fence_num_points(fence);
	for (size_t i = 0; i < n; i++) {
		struct fw_fence *p = fw_fence_point(fence, i);
		int part = p->ops->export_kernel_sync_file(p), merged;

		if (part < 0) {
			if (fd >= 0)
				close(fd);
			return part;
		}
		if (fd < 0) {
			fd = part;
			continue;
		}
		merged = fw_kernel_sync_file_merge(fd, part);
		close(part);
		close(fd);
		if (merged < 0)
			return merged;
		fd = merged;
	}
	return fd;
}
