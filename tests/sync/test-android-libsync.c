/*
 * test-android-libsync.c - code written the way AOSP's libsync tests are
 * (their SyncFence::getInfo() walk over the legacy info API, sync_wait's
 * 0 / -1 ETIME), built against <fenceway/android/sync.h>, must see what it
 * sees on Android: statuses 1 / 0 / < 0, timestamps 0 while active and set
 * once signalled, ETIME on timeout, EINVAL for fds it cannot wait on.
 */
#include <fcntl.h>
#include <stddef.h>

#include <fenceway/android/sync.h>

#include "files_test.h"

/* What AOSP's tests collect per point (SyncPointInfo). */
struct point {
	char driver[32], obj[32];
	uint64_t timestamp_ns;
	int status;
};

/* AOSP's getInfo(): walk the legacy info; number of points, -1 on error. */
static int get_info(int fd, struct point *out, int max)
{
	struct sync_fence_info_data *info = sync_fence_info(fd);
	struct sync_pt_info *pt = NULL;
	int n = 0;

	if (!info)
		return -1;
	while ((pt = sync_pt_info(info, pt))) {
		CHECK(n < max);
		CHECK_EQ(pt->len, sizeof(*pt));
		memcpy(out[n].driver, pt->driver_name, 32);
		memcpy(out[n].obj, pt->obj_name, 32);
		out[n].timestamp_ns = pt->timestamp_ns;
		out[n].status = pt->status;
		n++;
	}
	CHECK_EQ(info->len, sizeof(*info) + n * sizeof(*pt));
	sync_fence_info_free(info);
	return n;
}

/* AOSP's countWithStatus(). */
static int count_with_status(int fd, int status)
{
	struct point pts[8];
	int n = get_info(fd, pts, 8), count = 0;

	for (int i = 0; i < n; i++)
		count += pts[i].status == status;
	return count;
}

/* The layout is AOSP's (and the old staging kernel's), byte for byte. */
static void test_layout(void)
{
	CHECK_EQ(offsetof(struct sync_fence_info_data, name), 4);
	CHECK_EQ(offsetof(struct sync_fence_info_data, status), 36);
	CHECK_EQ(offsetof(struct sync_fence_info_data, pt_info), 40);
	CHECK_EQ(sizeof(struct sync_fence_info_data), 40);
	CHECK_EQ(offsetof(struct sync_pt_info, obj_name), 4);
	CHECK_EQ(offsetof(struct sync_pt_info, driver_name), 36);
	CHECK_EQ(offsetof(struct sync_pt_info, status), 68);
	CHECK_EQ(offsetof(struct sync_pt_info, timestamp_ns), 72);
	CHECK_EQ(offsetof(struct sync_pt_info, driver_data), 80);
	CHECK_EQ(sizeof(struct sync_pt_info), 80);
}

/* AOSP FenceTest.OneTimelineWait, plus what the info says on the way. */
static void test_one_timeline_wait(void)
{
	int base = ft_fd_baseline();
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "allocFence", 5);
	struct sync_fence_info_data *info;
	struct point pts[8];

	CHECK(fence >= 0);
	errno = 0;
	CHECK_EQ(sync_wait(fence, 0), -1);
	CHECK_EQ(errno, ETIME);
	CHECK_EQ(sw_sync_timeline_inc(tl, 1), 0);
	errno = 0;
	CHECK_EQ(sync_wait(fence, 0), -1);
	CHECK_EQ(errno, ETIME);

	/* Active: status 0, no timestamp. */
	CHECK_EQ(get_info(fence, pts, 8), 1);
	CHECK_EQ(pts[0].status, 0);
	CHECK_EQ(pts[0].timestamp_ns, 0);
	CHECK(strcmp(pts[0].driver, "fenceway-soft") == 0);
	info = sync_fence_info(fence);
	CHECK(info && info->status == 0 && strcmp(info->name, "allocFence") == 0);
	sync_fence_info_free(info);

	CHECK_EQ(sw_sync_timeline_inc(tl, 4), 0);
	CHECK_EQ(sync_wait(fence, 0), 0);
	CHECK_EQ(get_info(fence, pts, 8), 1);
	CHECK_EQ(pts[0].status, 1);
	CHECK(pts[0].timestamp_ns > 0);
	info = sync_fence_info(fence);
	CHECK(info && info->status == 1);
	sync_fence_info_free(info);

	CHECK_EQ(sw_sync_timeline_inc(tl, 10), 0);
	CHECK_EQ(sync_wait(fence, 0), 0);
	CHECK_EQ(sync_wait(fence, -1), 0);
	close(fence);
	sw_sync_timeline_destroy(tl);
	ft_check_no_leak(base);
}

/* AOSP FenceTest.MultiTimelineWait: counts move point by point. */
static void test_multi_timeline_wait(void)
{
	int base = ft_fd_baseline();
	int tls[3], fences[3], merged, tmp;

	for (int i = 0; i < 3; i++) {
		tls[i] = sw_sync_timeline_create();
		fences[i] = sw_sync_fence_create(tls[i], "f", 5);
		CHECK(fences[i] >= 0);
	}
	tmp = sync_merge("ab", fences[0], fences[1]);
	merged = sync_merge("abc", tmp, fences[2]);
	CHECK(tmp >= 0 && merged >= 0);
	close(tmp);

	CHECK_EQ(count_with_status(merged, 0), 3);
	errno = 0;
	CHECK_EQ(sync_wait(merged, 0), -1);
	CHECK_EQ(errno, ETIME);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(sw_sync_timeline_inc(tls[i], 5), 0);
		CHECK_EQ(count_with_status(merged, 0), 2 - i);
		CHECK_EQ(count_with_status(merged, 1), i + 1);
	}
	CHECK_EQ(sync_wait(merged, 100), 0);

	close(merged);
	for (int i = 0; i < 3; i++) {
		close(fences[i]);
		sw_sync_timeline_destroy(tls[i]);
	}
	ft_check_no_leak(base);
}

/*
 * A failed fence: Android's sync_wait returns 0 (it signalled); the error
 * is in the info, with the time it failed.
 */
static void test_error_status(void)
{
	int base = ft_fd_baseline();
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "doomed", 1);
	struct sync_fence_info_data *info;
	struct point pts[8];

	sw_sync_timeline_destroy(tl);
	CHECK_EQ(sync_wait(fence, -1), 0);
	CHECK_EQ(get_info(fence, pts, 8), 1);
	CHECK_EQ(pts[0].status, -ENOENT);
	CHECK(pts[0].timestamp_ns > 0);
	info = sync_fence_info(fence);
	CHECK(info && info->status == -ENOENT);
	sync_fence_info_free(info);
	close(fence);
	ft_check_no_leak(base);
}

/* What Android refuses: EINVAL, whatever the reason. */
static void test_refusals(void)
{
	int pfd[2], fd;

	errno = 0;
	CHECK(sync_wait(-1, 0) == -1 && errno == EINVAL);
	CHECK_EQ(pipe2(pfd, O_CLOEXEC), 0);
	errno = 0;
	CHECK(sync_wait(pfd[0], 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sync_fence_info(pfd[0]) == NULL && errno == EINVAL);
	fd = pfd[0];
	close(pfd[0]);
	close(pfd[1]);
	errno = 0;
	CHECK(sync_wait(fd, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sync_fence_info(fd) == NULL && errno == EBADF);
	CHECK(sync_pt_info(NULL, NULL) == NULL);
}

/* The walk never leaves the allocation, even over damaged lengths. */
static void test_walk_bounds(void)
{
	int tl = sw_sync_timeline_create();
	int a = sw_sync_fence_create(tl, "a", 1);
	int tl2 = sw_sync_timeline_create();
	int b = sw_sync_fence_create(tl2, "b", 1);
	int m = sync_merge("m", a, b);
	struct sync_fence_info_data *info = sync_fence_info(m);
	struct sync_pt_info *first, *second;

	CHECK(info != NULL);
	first = sync_pt_info(info, NULL);
	second = sync_pt_info(info, first);
	CHECK(first && second && sync_pt_info(info, second) == NULL);
	/* A record that claims no length would never move on. */
	first->len = 0;
	CHECK(sync_pt_info(info, first) == NULL);
	/* A record that claims more than is left is not followed. */
	first->len = sizeof(*first) + 1;
	CHECK(sync_pt_info(info, first) == NULL);
	/* A total length that cuts a record in half hides that record. */
	first->len = sizeof(*first);
	info->len -= 1;
	CHECK(sync_pt_info(info, first) == NULL);
	info->len = sizeof(*info) + 10;
	CHECK(sync_pt_info(info, NULL) == NULL);
	sync_fence_info_free(info);
	close(m);
	close(a);
	close(b);
	sw_sync_timeline_destroy(tl);
	sw_sync_timeline_destroy(tl2);
}

/* Both headers' sync_wait are there, each with its own contract. */
static void test_both_contracts(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "both", 1);

	CHECK_EQ(fw_android_sync_wait(fence, 0), -1);
#undef sync_wait
	CHECK_EQ(sync_wait(fence, 0), 0);
	CHECK_EQ(sw_sync_timeline_inc(tl, 1), 0);
	CHECK(sync_wait(fence, 0) > 0);
	CHECK_EQ(fw_android_sync_wait(fence, 0), 0);
	close(fence);
	sw_sync_timeline_destroy(tl);
}

int main(void)
{
	RUN(test_layout);
	RUN(test_one_timeline_wait);
	RUN(test_multi_timeline_wait);
	RUN(test_error_status);
	RUN(test_refusals);
	RUN(test_walk_bounds);
	RUN(test_both_contracts);
	return 0;
}
