/*
 * test-loop-wake.c - how fw_loop learns of other processes' signals: the
 * io_uring futex wait (or the helper-thread fallback), no library wake-ups
 * while idle, and helper threads that go away once they watch nothing.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/loop.h>

#include "loop_impl.h"
#include "soft_timeline_impl.h"
#include "testlib.h"

static void on_flag(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	*(int *)data = fw_fence_get_status(fence);
}

static struct fw_timeline *make(void)
{
	struct fw_timeline *tl = NULL;

	CHECK_EQ(fw_timeline_create("wake", &tl), 0);
	return tl;
}

/* The ring is never used where the helper-thread path is forced. */
static void test_path_choice(void)
{
	struct fw_loop *a = fw_loop_create(), *b = fw_loop_create_without_ring();

	CHECK(a && b);
	if (fw_sync_using_fallback())
		CHECK(!fw_loop_uses_ring(a));
	CHECK(!fw_loop_uses_ring(b));
	fw_loop_destroy(a);
	fw_loop_destroy(b);
}

/*
 * A child signals; the parent's loop (ring or not) dispatches each point,
 * while a second wait on the same timeline is cancelled and re-added every
 * round (a cancelled futex request must neither fire nor leak).
 */
static void pingpong(bool ring)
{
	enum { ROUNDS = 2000 };
	struct fw_timeline *a = make(), *b = make();
	struct fw_loop *loop = ring ? fw_loop_create()
				    : fw_loop_create_without_ring();
	struct pollfd p = { .fd = fw_loop_get_fd(loop), .events = POLLIN };
	int status, far = 0;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		for (int i = 1; i <= ROUNDS; i++) {
			if (fw_timeline_signal(a, i) < 0 ||
			    fw_timeline_wait(b, i, -1) < 0)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 1; i <= ROUNDS; i++) {
		struct fw_wait *extra;
		int got = 0;

		CHECK(fw_loop_wait_point(loop, a, i, on_flag, &got));
		extra = fw_loop_wait_point(loop, a, (uint64_t)ROUNDS + i,
					   on_flag, &far);
		CHECK(extra);
		while (!got) {
			CHECK(poll(&p, 1, -1) == 1);
			CHECK(fw_loop_dispatch(loop) >= 0);
		}
		CHECK_EQ(got, FW_FENCE_SIGNALED);
		fw_wait_cancel(extra);
		CHECK_EQ(fw_timeline_signal(b, i), 0);
	}
	CHECK_EQ(far, 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fw_loop_destroy(loop);
	fw_timeline_put(a);
	fw_timeline_put(b);
}

static void test_pingpong_ring(void)
{
	pingpong(true);
}

static void test_pingpong_helpers(void)
{
	pingpong(false);
}

static int count_tasks(void)
{
	struct fw_test_tasks t;

	fw_test_tasks_read(&t);
	return t.n + 1;
}

/*
 * No context switches on library threads during an idle interval with
 * 1,000 pending waits (on 1,000 timelines, through one loop).  Under
 * valgrind, whose thread limit is 500, 200 (the fallback path there makes
 * one thread per timeline).
 */
static void test_idle_no_wakeups(void)
{
	enum { MAX = 1000 };
	int n = getenv("FENCEWAY_TEST_VALGRIND") ? 200 : MAX;
	struct fw_timeline *tls[MAX];
	struct fw_loop *loop = fw_loop_create();
	struct fw_test_tasks before, after;
	int flag = 0;

	CHECK(loop);
	for (int i = 0; i < n; i++) {
		tls[i] = make();
		CHECK(fw_loop_wait_point(loop, tls[i], 1, on_flag, &flag));
	}
	/* Let every helper reach its sleep. */
	usleep(200000);
	fw_test_tasks_read(&before);
	CHECK(before.n > 0);
	usleep(500000);
	fw_test_tasks_read(&after);
	for (int i = 0; i < before.n; i++) {
		for (int j = 0; j < after.n; j++) {
			if (after.tid[j] != before.tid[i])
				continue;
			if (after.switches[j] != before.switches[i])
				fprintf(stderr, "thread %ld woke while idle\n",
					after.tid[j]);
			CHECK_EQ(after.switches[j], before.switches[i]);
		}
	}
	CHECK_EQ(flag, 0);
	fw_loop_destroy(loop);
	for (int i = 0; i < n; i++)
		fw_timeline_put(tls[i]);
}

/*
 * Timelines with pending waits make helper threads; once those timelines
 * are gone, the threads exit and the count returns to its baseline.
 */
static void test_helpers_exit(void)
{
	enum { N = 60 };
	struct fw_timeline *tls[N];
	struct fw_loop *loop;
	int base, flag = 0, n = 0;

	soft_watch_set_helper_idle(100000000LL); /* 0.1 s */
	CHECK_EQ(fw_sync_debug_start_threads(), 0);
	base = count_tasks();
	loop = fw_loop_create();
	CHECK(loop);
	for (int i = 0; i < N; i++) {
		tls[i] = make();
		CHECK(fw_loop_wait_point(loop, tls[i], 1, on_flag, &flag));
	}
	CHECK(count_tasks() > base);
	fw_loop_destroy(loop);
	for (int i = 0; i < N; i++)
		fw_timeline_put(tls[i]);
	/* A bounded wait for the outcome (10 s), not a timing. */
	while (count_tasks() > base && n++ < 1000)
		usleep(10000);
	CHECK(count_tasks() <= base);
	soft_watch_set_helper_idle(5000000000LL);
}

int main(void)
{
	/* First: it counts this process's threads from a clean start. */
	test_helpers_exit();
	test_path_choice();
	test_pingpong_ring();
	test_pingpong_helpers();
	test_idle_no_wakeups();
	return 0;
}
