/*
 * test-libsync.c - the kernel sync selftests' semantics, against
 * <fenceway/libsync.h> (written anew for fenceway; same checks as
 * tools/testing/selftests/sync), plus the layer's error paths and fd
 * ownership.  Run twice by meson: default wait path and forced fallback.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <fenceway/libsync.h>

#include "files_test.h"

enum { ACTIVE = 0, SIGNALED = 1, ERROR = -1 };

/* --- allocation ------------------------------------------------------- */

static void test_alloc_timeline(void)
{
	int tl = sw_sync_timeline_create();

	CHECK(tl >= 0);
	CHECK(sw_sync_timeline_is_valid(tl) == 1);
	CHECK(fcntl(tl, F_GETFD) & FD_CLOEXEC);
	sw_sync_timeline_destroy(tl);
	CHECK(sw_sync_timeline_is_valid(tl) == 0);
}

static void test_alloc_fence(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "allocFence", 1);

	CHECK(sw_sync_fence_is_valid(fence) == 1);
	CHECK(fcntl(fence, F_GETFD) & FD_CLOEXEC);
	/* A timeline is no fence, a fence no timeline. */
	CHECK(sw_sync_fence_is_valid(tl) == 0);
	CHECK(sw_sync_timeline_is_valid(fence) == 0);
	sw_sync_fence_destroy(fence);
	CHECK(sw_sync_fence_is_valid(fence) == 0);
	sw_sync_timeline_destroy(tl);
}

static void test_alloc_fence_negative(void)
{
	int tl = sw_sync_timeline_create();
	int pfd[2], fence;

	errno = 0;
	CHECK(sw_sync_fence_create(-1, "fence", 1) == -1);
	CHECK(errno == EBADF || errno == EINVAL);
	/* A fence is not a timeline. */
	fence = sw_sync_fence_create(tl, "fence", 1);
	errno = 0;
	CHECK(sw_sync_fence_create(fence, "fence", 1) == -1 && errno == EINVAL);
	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	errno = 0;
	CHECK(sw_sync_fence_create(pfd[0], "fence", 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sw_sync_timeline_inc(pfd[0], 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sw_sync_timeline_inc(fence, 1) == -1 && errno == EINVAL);
	/* Destroying the wrong kind of fd leaves it alone. */
	sw_sync_timeline_destroy(pfd[0]);
	sw_sync_fence_destroy(pfd[1]);
	CHECK(fcntl(pfd[0], F_GETFD) >= 0 && fcntl(pfd[1], F_GETFD) >= 0);
	sw_sync_timeline_destroy(fence);
	CHECK(sw_sync_fence_is_valid(fence) == 1);
	close(pfd[0]);
	close(pfd[1]);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

/* --- one timeline ------------------------------------------------------- */

static void test_fence_one_timeline_wait(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "allocFence", 5);

	CHECK(sync_wait(fence, 0) == 0);
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);          /* 1 */
	CHECK(sync_wait(fence, 0) == 0);
	CHECK(sync_fence_count_with_status(fence, ACTIVE) == 1);
	CHECK(sw_sync_timeline_inc(tl, 4) == 0);          /* 5 */
	CHECK(sync_wait(fence, 0) > 0);
	CHECK(sync_fence_count_with_status(fence, SIGNALED) == 1);
	CHECK(sw_sync_timeline_inc(tl, 10) == 0);         /* 15: sticky */
	CHECK(sync_wait(fence, 0) > 0);
	CHECK(sync_wait(fence, -1) > 0);
	CHECK(sync_fence_count_with_status(fence, SIGNALED) == 1);
	CHECK(sync_fence_count_with_status(fence, ERROR) == 0);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

static void test_fence_one_timeline_merge(void)
{
	int tl = sw_sync_timeline_create();
	int a = sw_sync_fence_create(tl, "allocFence", 1);
	int b = sw_sync_fence_create(tl, "allocFence", 2);
	int c = sw_sync_fence_create(tl, "allocFence", 3);
	int d, tmp;

	CHECK(sw_sync_fence_is_valid(a) && sw_sync_fence_is_valid(b) &&
	      sw_sync_fence_is_valid(c));
	tmp = sync_merge("mergeFence", b, a);
	d = sync_merge("mergeFence", c, tmp);
	CHECK(sw_sync_fence_is_valid(d));
	sw_sync_fence_destroy(tmp);
	/* One timeline: one point, the latest. */
	CHECK(sync_fence_size(d) == 1);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 1);

	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_fence_count_with_status(a, SIGNALED) == 1);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 1);
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_fence_count_with_status(b, SIGNALED) == 1);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 1);
	CHECK(sync_wait(d, 0) == 0);
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_fence_count_with_status(c, SIGNALED) == 1);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 0);
	CHECK(sync_fence_count_with_status(d, SIGNALED) == 1);
	CHECK(sync_wait(d, 0) > 0);

	sw_sync_fence_destroy(d);
	sw_sync_fence_destroy(c);
	sw_sync_fence_destroy(b);
	sw_sync_fence_destroy(a);
	sw_sync_timeline_destroy(tl);
}

static void test_fence_merge_same_fence(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "allocFence", 5);
	int merged = sync_merge("mergeFence", fence, fence);

	CHECK(sw_sync_fence_is_valid(merged));
	CHECK(merged != fence);
	CHECK(sync_fence_size(merged) == 1);
	CHECK(sync_fence_count_with_status(merged, SIGNALED) == 0);
	CHECK(sw_sync_timeline_inc(tl, 5) == 0);
	CHECK(sync_fence_count_with_status(merged, SIGNALED) == 1);
	CHECK(sync_wait(merged, 0) > 0);
	sw_sync_fence_destroy(merged);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

static void test_fence_multi_timeline_merge(void)
{
	int ta = sw_sync_timeline_create();
	int tb = sw_sync_timeline_create();
	int tc = sw_sync_timeline_create();
	int a = sw_sync_fence_create(ta, "allocFence", 5);
	int b = sw_sync_fence_create(tb, "allocFence", 5);
	int c = sw_sync_fence_create(tc, "allocFence", 5);
	int ab = sync_merge("mergeFence", b, a);
	int d = sync_merge("mergeFence", c, ab);
	struct sync_file_info *info;
	struct sync_fence_info *pts;

	sw_sync_fence_destroy(ab);
	CHECK(sync_fence_size(d) == 3);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 3);

	info = sync_file_info(d);
	CHECK(info);
	CHECK(strcmp(info->name, "mergeFence") == 0);
	CHECK(info->status == 0 && info->num_fences == 3);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK((void *)pts == (void *)(info + 1)); /* one allocation */
	for (int i = 0; i < 3; i++) {
		CHECK(strcmp(pts[i].driver_name, "fenceway-soft") == 0);
		CHECK(pts[i].status == 0 && pts[i].timestamp_ns == 0);
	}
	sync_file_info_free(info);

	CHECK(sw_sync_timeline_inc(ta, 5) == 0);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 2);
	CHECK(sync_fence_count_with_status(d, SIGNALED) == 1);
	CHECK(sync_wait(d, 0) == 0);
	CHECK(sw_sync_timeline_inc(tb, 5) == 0);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 1);
	CHECK(sync_wait(d, 0) == 0);
	CHECK(sw_sync_timeline_inc(tc, 5) == 0);
	CHECK(sync_fence_count_with_status(d, ACTIVE) == 0);
	CHECK(sync_fence_count_with_status(d, SIGNALED) == 3);
	CHECK(sync_wait(d, 0) > 0);

	info = sync_file_info(d);
	CHECK(info && info->status == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	for (uint32_t i = 0; i < info->num_fences; i++)
		CHECK(pts[i].status == 1 && pts[i].timestamp_ns > 0);
	sync_file_info_free(info);

	sw_sync_fence_destroy(d);
	sw_sync_fence_destroy(c);
	sw_sync_fence_destroy(b);
	sw_sync_fence_destroy(a);
	sw_sync_timeline_destroy(tc);
	sw_sync_timeline_destroy(tb);
	sw_sync_timeline_destroy(ta);
}

/* --- destroy ------------------------------------------------------------- */

static void test_timeline_destroy_fails_pending(void)
{
	int tl = sw_sync_timeline_create();
	int done = sw_sync_fence_create(tl, "done", 1);
	int pending = sw_sync_fence_create(tl, "pending", 10);
	struct sync_file_info *info;
	struct sync_fence_info *pts;

	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	sw_sync_timeline_destroy(tl);
	CHECK(sync_wait(pending, -1) > 0);
	CHECK(sync_fence_count_with_status(pending, ERROR) == 1);
	info = sync_file_info(pending);
	CHECK(info && info->status == -ENOENT && info->num_fences == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK(pts[0].status == -ENOENT);
	sync_file_info_free(info);
	/* Already signalled fences keep their status. */
	CHECK(sync_fence_count_with_status(done, SIGNALED) == 1);
	sw_sync_fence_destroy(pending);
	sw_sync_fence_destroy(done);
}

/* --- stress: two threads ping-pong on one timeline ----------------------- */

static struct {
	int timeline;
	int iterations;
	int counter;
} pp;

static void *pingpong_thread(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < pp.iterations; i++) {
		int fence = sw_sync_fence_create(pp.timeline, "fence",
						 i * 2 + id);

		CHECK(sw_sync_fence_is_valid(fence));
		CHECK(sync_wait(fence, -1) > 0);
		/* The other thread's write is visible once we were woken. */
		CHECK(pp.counter == i * 2 + id);
		pp.counter++;
		CHECK(sw_sync_timeline_inc(pp.timeline, 1) == 0);
		sw_sync_fence_destroy(fence);
	}
	return NULL;
}

static void test_stress_two_threads_shared_timeline(void)
{
	pthread_t a, b;

	pp.timeline = sw_sync_timeline_create();
	pp.iterations = 1 << 16;
	pp.counter = 0;
	CHECK(pthread_create(&a, NULL, pingpong_thread, (void *)0) == 0);
	CHECK(pthread_create(&b, NULL, pingpong_thread, (void *)1) == 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK(pp.counter == 2 * pp.iterations);
	sw_sync_timeline_destroy(pp.timeline);
}

/* --- stress: 5 producers, 1 consumer, merged waits ------------------------ */

#define MPSC_THREADS 5
static struct {
	int iterations;
	int counter;
	int consumer_timeline;
	int producer_timelines[MPSC_THREADS];
	pthread_mutex_t lock;
} mp = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The other way to wait: poll the status without blocking in the library. */
static void spin_on_fence(int fence)
{
	while (sync_fence_count_with_status(fence, ACTIVE) != 0) {
		CHECK(sync_fence_count_with_status(fence, ERROR) == 0);
		sched_yield();
	}
}

static void *mpsc_producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < mp.iterations; i++) {
		int fence = sw_sync_fence_create(mp.consumer_timeline, "fence", i);

		CHECK(sw_sync_fence_is_valid(fence));
		if ((i + id) % 8 != 0)
			CHECK(sync_wait(fence, -1) > 0);
		else
			spin_on_fence(fence);
		pthread_mutex_lock(&mp.lock);
		mp.counter++;
		pthread_mutex_unlock(&mp.lock);
		CHECK(sw_sync_timeline_inc(mp.producer_timelines[id], 1) == 0);
		sw_sync_fence_destroy(fence);
	}
	return NULL;
}

static void test_consumer_stress_multi_producer_single_consumer(void)
{
	pthread_t threads[MPSC_THREADS];

	mp.iterations = 1 << 12;
	mp.counter = 0;
	mp.consumer_timeline = sw_sync_timeline_create();
	for (int i = 0; i < MPSC_THREADS; i++)
		mp.producer_timelines[i] = sw_sync_timeline_create();
	for (long i = 0; i < MPSC_THREADS; i++)
		CHECK(pthread_create(&threads[i], NULL, mpsc_producer,
				     (void *)i) == 0);

	for (int it = 1; it <= mp.iterations; it++) {
		int fence = sw_sync_fence_create(mp.producer_timelines[0],
						 "name", it);

		for (int i = 1; i < MPSC_THREADS; i++) {
			int tmp = sw_sync_fence_create(mp.producer_timelines[i],
						       "name", it);
			int merged = sync_merge("name", tmp, fence);

			sw_sync_fence_destroy(tmp);
			sw_sync_fence_destroy(fence);
			fence = merged;
		}
		CHECK(sw_sync_fence_is_valid(fence));
		if (it % 8 != 0)
			CHECK(sync_wait(fence, -1) > 0);
		else
			spin_on_fence(fence);
		pthread_mutex_lock(&mp.lock);
		CHECK(mp.counter == MPSC_THREADS * it);
		pthread_mutex_unlock(&mp.lock);
		CHECK(sw_sync_timeline_inc(mp.consumer_timeline, 1) == 0);
		sw_sync_fence_destroy(fence);
	}
	for (int i = 0; i < MPSC_THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < MPSC_THREADS; i++)
		sw_sync_timeline_destroy(mp.producer_timelines[i]);
	sw_sync_timeline_destroy(mp.consumer_timeline);
}

/* --- stress: random merges over 32 timelines ----------------------------- */

static void test_merge_stress_random_merge(void)
{
	enum { TIMELINES = 32, MERGES = 1024 * 32 };
	int timelines[TIMELINES];
	unsigned max_point[TIMELINES] = { 0 };
	unsigned seed = 0x5eed;
	int fence, size = 0;

	for (int i = 0; i < TIMELINES; i++)
		timelines[i] = sw_sync_timeline_create();
	/* Point 0 has signalled already: merges drop it. */
	fence = sw_sync_fence_create(timelines[0], "fence", 0);
	CHECK(sync_wait(fence, 0) > 0);

	for (int i = 0; i < MERGES; i++) {
		int t = rand_r(&seed) % TIMELINES;
		unsigned point = 1 + (unsigned)rand_r(&seed) % (1u << 30);
		int tmp = sw_sync_fence_create(timelines[t], "fence", point);
		int merged = sync_merge("merge", tmp, fence);

		CHECK(sw_sync_fence_is_valid(merged));
		if (point > max_point[t])
			max_point[t] = point;
		sw_sync_fence_destroy(tmp);
		sw_sync_fence_destroy(fence);
		fence = merged;
	}
	for (int i = 0; i < TIMELINES; i++)
		size += max_point[i] != 0;
	CHECK(sync_fence_size(fence) == size);

	/* Reaching anything below each maximum does not signal it... */
	for (int i = 0; i < TIMELINES; i++) {
		if (max_point[i])
			CHECK(sw_sync_timeline_inc(timelines[i],
						   max_point[i] - 1) == 0);
	}
	CHECK(sync_wait(fence, 0) == 0);
	CHECK(sync_fence_count_with_status(fence, ACTIVE) == size);
	/* ...and it signals only once every timeline reached its maximum. */
	for (int i = 0; i < TIMELINES; i++) {
		if (!max_point[i])
			continue;
		CHECK(sync_wait(fence, 0) == 0);
		CHECK(sw_sync_timeline_inc(timelines[i], 1) == 0);
	}
	CHECK(sync_wait(fence, 0) > 0);
	CHECK(sync_fence_count_with_status(fence, SIGNALED) == size);

	sw_sync_fence_destroy(fence);
	for (int i = 0; i < TIMELINES; i++)
		sw_sync_timeline_destroy(timelines[i]);
}

/* --- the functions' error paths --------------------------------------------- */

static void test_refuses_non_sync_files(void)
{
	int pfd[2], sv[2], efd, mfd, tl;
	int bad[6];

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	efd = eventfd(0, EFD_CLOEXEC);
	mfd = memfd_create("not-a-timeline", MFD_CLOEXEC);
	tl = sw_sync_timeline_create();
	bad[0] = pfd[0];
	bad[1] = pfd[1];
	bad[2] = sv[1];
	bad[3] = efd;
	bad[4] = mfd;
	bad[5] = tl;
	for (int i = 0; i < 6; i++) {
		int fd = bad[i];

		CHECK(sw_sync_fence_is_valid(fd) == 0);
		errno = 0;
		CHECK(sync_wait(fd, 0) == -1 && errno == EINVAL);
		errno = 0;
		CHECK(sync_merge("x", fd, fd) == -1 && errno == EINVAL);
		errno = 0;
		CHECK(sync_file_info(fd) == NULL && errno == EINVAL);
		CHECK(sync_fence_size(fd) == 0);
		CHECK(sync_fence_count_with_status(fd, ACTIVE) == -1);
		if (fd != tl) {
			CHECK(sw_sync_timeline_is_valid(fd) == 0);
			errno = 0;
			CHECK(sw_sync_timeline_inc(fd, 1) == -1 && errno == EINVAL);
		}
	}
	/* One good and one bad file: refused, nothing made. */
	{
		int good = sw_sync_fence_create(tl, "good", 1);

		errno = 0;
		CHECK(sync_merge("x", good, efd) == -1 && errno == EINVAL);
		errno = 0;
		CHECK(sync_merge("x", efd, good) == -1 && errno == EINVAL);
		sw_sync_fence_destroy(good);
	}
	/* Closed fds. */
	errno = 0;
	CHECK(sync_wait(1000000, 0) == -1 && errno == EBADF);
	CHECK(sw_sync_fence_is_valid(-1) == 0);
	CHECK(sw_sync_timeline_is_valid(-1) == 0);
	errno = 0;
	CHECK(sync_file_info(-1) == NULL);
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
	close(efd);
	close(mfd);
	sw_sync_timeline_destroy(tl);
}

static void test_sync_wait_timeout(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "f", 1);

	CHECK(sync_wait(fence, 0) == 0);
	CHECK(sync_wait(fence, 1) == 0);   /* times out: not signalled */
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_wait(fence, 1000) == 1);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

static void test_info_names(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "a-rather-long-fence-name-beyond-32-bytes", 3);
	struct sync_file_info *info = sync_file_info(fence);
	struct sync_fence_info *pts;

	CHECK(info);
	CHECK(strlen(info->name) == 31);
	CHECK(strncmp(info->name, "a-rather-long-fence-name-beyond", 31) == 0);
	CHECK(info->num_fences == 1 && info->status == 0);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK(strcmp(pts[0].driver_name, "fenceway-soft") == 0);
	sync_file_info_free(info);
	sync_file_info_free(NULL); /* like free() */
	CHECK(sw_sync_timeline_inc(tl, 3) == 0);
	info = sync_file_info(fence);
	CHECK(info && info->status == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK(pts[0].status == 1 && pts[0].timestamp_ns > 0);
	sync_file_info_free(info);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

/* Every fd made above is closed again: run the simple tests, count fds. */
static void test_fd_ownership(void)
{
	int base = ft_fd_baseline();

	test_alloc_timeline();
	test_alloc_fence();
	test_alloc_fence_negative();
	test_fence_one_timeline_wait();
	test_fence_one_timeline_merge();
	test_fence_merge_same_fence();
	test_fence_multi_timeline_merge();
	test_timeline_destroy_fails_pending();
	test_refuses_non_sync_files();
	test_info_names();
	ft_check_no_leak(base);

	/* Closing every receiver frees the producer ends (EPOLLHUP). */
	{
		int tl = sw_sync_timeline_create();
		int fences[64];

		for (int i = 0; i < 64; i++)
			fences[i] = sw_sync_fence_create(tl, "f", 100 + i);
		CHECK(fw_soft_sync_producer_count() == 64);
		for (int i = 0; i < 64; i++)
			sw_sync_fence_destroy(fences[i]);
		ft_quiesce();
		CHECK(fw_soft_sync_producer_count() == 0);
		sw_sync_timeline_destroy(tl);
	}
	ft_check_no_leak(base);
}

int main(void)
{
	RUN(test_alloc_timeline);
	RUN(test_alloc_fence);
	RUN(test_alloc_fence_negative);
	RUN(test_fence_one_timeline_wait);
	RUN(test_fence_one_timeline_merge);
	RUN(test_fence_merge_same_fence);
	RUN(test_fence_multi_timeline_merge);
	RUN(test_timeline_destroy_fails_pending);
	RUN(test_refuses_non_sync_files);
	RUN(test_sync_wait_timeout);
	RUN(test_info_names);
	RUN(test_fd_ownership);
	/*
	 * Random merges first: they check that sw_sync_timeline_inc()
	 * has signalled merges of this process's points on return (the
	 * selftests' sync_wait(fence, 0) > 0).  See the report: the soft
	 * timeline's helper thread can still be running the callbacks of
	 * points it popped when inc returns, which the stress tests below
	 * make likely.
	 */
	/* The stress tests take minutes under valgrind: native runs only. */
	if (getenv("FENCEWAY_TEST_VALGRIND")) {
		fprintf(stderr, "   (stress tests: not under valgrind)\n");
		return 0;
	}
	RUN(test_merge_stress_random_merge);
	RUN(test_stress_two_threads_shared_timeline);
	RUN(test_consumer_stress_multi_producer_single_consumer);
	return 0;
}
