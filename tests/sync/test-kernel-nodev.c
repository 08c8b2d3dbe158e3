/*
 * test-kernel-nodev.c - the kernel backend where there is no kernel object.
 *
 * This machine has no /dev/dri and nothing that mints a kernel sync_file
 * (docs/platform.md §2), and neither has CI.  What the kernel backend must do here is
 * fail cleanly: feature probes say no, constructors refuse non-DRM fds with
 * -ENODEV (bad fds with -EBADF), importers refuse junk with EINVAL, soft
 * objects are refused by the kernel-only calls with -EOPNOTSUPP, and no fd
 * is leaked or handed out on any of these paths.  The real objects are
 * exercised in the qemu lane (tests/vm).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fenceway/sync.h>

#include "kernel_sync_file.h"
#include "testlib.h"

/* A handful of fds that are anything but DRM devices or sync_files. */
struct junk {
	int pipe[2];
	int sock[2];
	int memfd;
	int devnull;   /* a char device, but not DRM (major 1) */
};

static void junk_open(struct junk *j)
{
	CHECK(pipe2(j->pipe, O_CLOEXEC) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) == 0);
	j->memfd = memfd_create("junk", MFD_CLOEXEC);
	CHECK(j->memfd >= 0);
	CHECK(ftruncate(j->memfd, 4096) == 0);
	j->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(j->devnull >= 0);
}

static void junk_close(struct junk *j)
{
	close(j->pipe[0]);
	close(j->pipe[1]);
	close(j->sock[0]);
	close(j->sock[1]);
	close(j->memfd);
	close(j->devnull);
}

static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
	return fd;
}

static void test_probes_say_no(void)
{
	struct junk j;
	int fds[6];

	junk_open(&j);
	fds[0] = j.pipe[0];
	fds[1] = j.sock[0];
	fds[2] = j.memfd;
	fds[3] = j.devnull;
	fds[4] = -1;
	fds[5] = closed_fd();
	for (int i = 0; i < 6; i++) {
		CHECK(!fw_drm_syncobj_timeline_supported(fds[i]));
		CHECK(!fw_drm_syncobj_eventfd_supported(fds[i]));
	}
	junk_close(&j);
}

static void test_timeline_constructors_refuse(void)
{
	struct fw_timeline *tl = (struct fw_timeline *)&tl;
	struct junk j;
	int base = fw_test_fd_baseline();

	junk_open(&j);
	/* Not a DRM device: -ENODEV, *out cleared, nothing created. */
	CHECK_EQ(fw_timeline_create_drm_syncobj(j.pipe[0], &tl), -ENODEV);
	CHECK(tl == NULL);
	CHECK_EQ(fw_timeline_create_drm_syncobj(j.devnull, &tl), -ENODEV);
	CHECK_EQ(fw_timeline_create_drm_syncobj(j.memfd, &tl), -ENODEV);
	CHECK_EQ(fw_timeline_create_drm_syncobj(-1, &tl), -EBADF);
	CHECK_EQ(fw_timeline_create_drm_syncobj(closed_fd(), &tl), -EBADF);
	CHECK_EQ(fw_timeline_create_drm_syncobj(j.pipe[0], NULL), -EINVAL);

	/* Import: the DRM fd is checked first, the syncobj fd must be open. */
	tl = (struct fw_timeline *)&tl;
	CHECK_EQ(fw_timeline_import_drm_syncobj(j.devnull, j.memfd, &tl), -ENODEV);
	CHECK(tl == NULL);
	CHECK_EQ(fw_timeline_import_drm_syncobj(j.pipe[0], j.sock[0], &tl), -ENODEV);
	CHECK_EQ(fw_timeline_import_drm_syncobj(j.devnull, -1, &tl), -EBADF);
	CHECK_EQ(fw_timeline_import_drm_syncobj(j.devnull, closed_fd(), &tl), -EBADF);

	/* The borrowed fds are still open and untouched. */
	CHECK(fcntl(j.pipe[0], F_GETFD) >= 0);
	CHECK(fcntl(j.memfd, F_GETFD) >= 0);
	junk_close(&j);
	fw_test_fd_check(base);
}

static void test_sync_file_calls_on_soft_timeline(void)
{
	struct fw_timeline *tl;
	struct junk j;
	int base = fw_test_fd_baseline();

	junk_open(&j);
	CHECK_EQ(fw_timeline_create("soft", &tl), 0);
	/* A soft timeline is not a syncobj: the kernel-only calls refuse. */
	CHECK_EQ(fw_timeline_export_sync_file(tl, 1), -EOPNOTSUPP);
	CHECK_EQ(fw_timeline_import_sync_file(tl, 1, j.pipe[0]), -EOPNOTSUPP);
	CHECK_EQ(fw_timeline_export_sync_file(NULL, 1), -EINVAL);
	CHECK_EQ(fw_timeline_import_sync_file(NULL, 1, j.pipe[0]), -EINVAL);
	fw_timeline_put(tl);
	junk_close(&j);
	fw_test_fd_check(base);
}

static void test_kernel_sync_file_refuses_junk(void)
{
	struct fw_fence *f;
	struct junk j;
	int base = fw_test_fd_baseline();

	junk_open(&j);
	CHECK(!fw_kernel_sync_file_is(j.pipe[0]));
	CHECK(!fw_kernel_sync_file_is(j.sock[0]));
	CHECK(!fw_kernel_sync_file_is(j.memfd));
	CHECK(!fw_kernel_sync_file_is(j.devnull));
	CHECK(!fw_kernel_sync_file_is(-1));
	CHECK(!fw_kernel_sync_file_is(closed_fd()));

	errno = 0;
	f = fw_kernel_sync_file_import(j.pipe[0]);
	CHECK(f == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(fw_kernel_sync_file_import(j.memfd) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(fw_kernel_sync_file_import(-1) == NULL);
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK(fw_kernel_sync_file_import(closed_fd()) == NULL);
	CHECK_EQ(errno, EBADF);

	CHECK_EQ(fw_kernel_sync_file_merge(j.pipe[0], j.pipe[1]), -EINVAL);
	CHECK_EQ(fw_kernel_sync_file_merge(-1, j.memfd), -EINVAL);
	junk_close(&j);
	fw_test_fd_check(base);
}

static void test_soft_fences_are_not_kernel(void)
{
	struct fw_timeline *tl;
	struct fw_fence *plain, *point, *merged, *parts[2];
	int base = fw_test_fd_baseline();

	plain = fw_fence_create(fw_fence_context_alloc(1), 1, "plain");
	CHECK(plain);
	CHECK_EQ(fw_timeline_create("soft", &tl), 0);
	point = fw_timeline_point_fence(tl, 3);
	CHECK(point);
	parts[0] = plain;
	parts[1] = point;
	merged = fw_fence_merge(parts, 2);
	CHECK(merged);

	CHECK(!fw_fence_is_kernel(plain));
	CHECK(!fw_fence_is_kernel(point));
	CHECK(!fw_fence_is_kernel(merged));
	CHECK(!fw_fence_is_kernel(NULL));
	CHECK_EQ(fw_kernel_sync_file_export(plain), -EOPNOTSUPP);
	CHECK_EQ(fw_kernel_sync_file_export(point), -EOPNOTSUPP);
	CHECK_EQ(fw_kernel_sync_file_export(merged), -EOPNOTSUPP);
	CHECK_EQ(fw_kernel_sync_file_export(NULL), -EINVAL);
	/* Still not kernel once signalled: it is what they are, not when. */
	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	CHECK_EQ(fw_fence_signal(plain, 0), 0);
	CHECK(fw_fence_is_signaled(merged));
	CHECK_EQ(fw_kernel_sync_file_export(merged), -EOPNOTSUPP);

	fw_fence_put(merged);
	fw_fence_put(point);
	fw_fence_put(plain);
	fw_timeline_put(tl);
	fw_test_fd_check(base);
}

int main(void)
{
	RUN(test_probes_say_no);
	RUN(test_timeline_constructors_refuse);
	RUN(test_sync_file_calls_on_soft_timeline);
	RUN(test_kernel_sync_file_refuses_junk);
	RUN(test_soft_fences_are_not_kernel);
	return 0;
}
