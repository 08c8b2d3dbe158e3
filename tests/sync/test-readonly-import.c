/*
 * test-readonly-import.c - a soft timeline fd that is not open read-write
 * never yields a writable timeline, not even in a process that already
 * holds the same timeline read-write (where the import finds the known
 * object by inode).  Every import path: fw_timeline_import() and the
 * libsync calls that resolve a timeline fd.
 */
#include <fcntl.h>
#include <stdio.h>

#include <fenceway/fence.h>
#include <fenceway/libsync.h>
#include <fenceway/timeline.h>

#include "files_test.h"

/* A new fd of the same memfd, opened with @mode (caller closes). */
static int reopen(int fd, int mode)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = open(path, mode | O_CLOEXEC);
	CHECK(ret >= 0);
	return ret;
}

/* The process already has the timeline: the inode lookup must not win. */
static void test_known_timeline_read_only(void)
{
	int base = ft_fd_baseline();
	struct fw_timeline *tl = NULL, *got = NULL;
	uint64_t value = 1;
	int fd, ro, wo;

	CHECK_EQ(fw_timeline_create("rw", &tl), 0);
	fd = fw_timeline_export_fd(tl);
	CHECK(fd >= 0);
	ro = reopen(fd, O_RDONLY);
	wo = reopen(fd, O_WRONLY);

	CHECK_EQ(fw_timeline_import(ro, &got), -EACCES);
	CHECK(got == NULL);
	CHECK_EQ(fw_timeline_import(wo, &got), -EACCES);
	CHECK(got == NULL);
	/* The read-write fd still finds the very same object. */
	CHECK_EQ(fw_timeline_import(fd, &got), 0);
	CHECK(got == tl);
	fw_timeline_put(got);

	/* libsync resolves fds the same way: no writes through @ro. */
	errno = 0;
	CHECK(sw_sync_timeline_inc(ro, 5) == -1 && errno == EACCES);
	errno = 0;
	CHECK(sw_sync_fence_create(ro, "ro", 1) == -1 && errno == EACCES);
	CHECK_EQ(fw_timeline_query(tl, &value), 0);
	CHECK_EQ(value, 0);
	/* Still a valid timeline fd, just not one that may write. */
	CHECK(sw_sync_timeline_is_valid(ro) == 1);

	close(wo);
	close(ro);
	close(fd);
	fw_timeline_put(tl);
	ft_check_no_leak(base);
}

/* A timeline the process never saw: refused the same way. */
static void test_unknown_timeline_read_only(void)
{
	int base = ft_fd_baseline();
	int fd = sw_sync_timeline_create();
	int ro, ro2;
	struct fw_timeline *got = NULL;

	CHECK(fd >= 0);
	ro = reopen(fd, O_RDONLY);
	/* Drop the process's object so nothing is known for the inode. */
	ro2 = dup(ro);
	sw_sync_timeline_destroy(fd);
	CHECK_EQ(fw_timeline_import(ro, &got), -EACCES);
	CHECK(got == NULL);
	errno = 0;
	CHECK(sw_sync_timeline_inc(ro2, 1) == -1 && errno == EACCES);
	close(ro2);
	close(ro);
	ft_check_no_leak(base);
}

/*
 * sw_sync_timeline_destroy() fails this process's pending fences: that is
 * write power too, so a read-only fd is only closed.
 */
static void test_destroy_read_only(void)
{
	int base = ft_fd_baseline();
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "pending", 1);
	int ro = reopen(tl, O_RDONLY);

	CHECK(fence >= 0);
	sw_sync_timeline_destroy(ro);
	CHECK(fcntl(ro, F_GETFD) < 0 && errno == EBADF);
	CHECK(sync_wait(fence, 0) == 0);
	CHECK(sync_fence_count_with_status(fence, 0) == 1);
	/* The read-write fd fails them, as documented. */
	sw_sync_timeline_destroy(tl);
	CHECK(sync_wait(fence, -1) > 0);
	CHECK(sync_fence_count_with_status(fence, -1) == 1);
	sw_sync_fence_destroy(fence);
	ft_check_no_leak(base);
}

int main(void)
{
	RUN(test_known_timeline_read_only);
	RUN(test_unknown_timeline_read_only);
	RUN(test_destroy_read_only);
	return 0;
}
