/*
 * test-loop-wake.c - how fw_loop learns of other processes' signals: the
 * io_uring futex wait or poll (or the helper-thread fallback), no library
 * wake-ups while idle, and helper threads that go away once they watch
 * nothing.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/loop.h>
#include <fenceway/sync_file.h>

#include "loop_impl.h"
#include "soft_timeline_impl.h"
#include "files_test.h"
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

/*
 * Another process's soft sync files, waited on through a loop: each
 * signal (or error, or the producer's death) reaches the loop with its
 * status, a wait cancelled while pending neither fires nor leaks, and with
 * the ring no library thread of ours wakes for them (the ring polls the
 * files; nothing enables the fd thread's watch).  The producer is this
 * program started again (fw_test_spawn_role()).
 */
enum { WAKE_ROUNDS = 200 };

/*
 * Role "wake-producer": argv is SOCKET, its end of the socket to the test.
 * Per round, two sync files sent; on each byte from the test, one signal.
 */
static int wake_producer(int argc, char **argv)
{
	int sock;

	if (argc != 1)
		return 10;
	sock = atoi(argv[0]);
	for (int i = 1; i <= WAKE_ROUNDS; i++) {
		struct fw_fence *a = fw_fence_create(1, i, "wake-a");
		struct fw_fence *b = fw_fence_create(2, i, "wake-b");
		int fa = fw_sync_file_create(a);
		int fb = fw_sync_file_create(b);

		if (fa < 0 || fb < 0)
			return 2;
		ft_send_fd(sock, fa);
		ft_send_fd(sock, fb);
		close(fa);
		close(fb);
		if (read(sock, &(char){0}, 1) != 1)
			return 3;
		fw_fence_signal(a, i % 10 == 0 ? -EIO : 0);
		if (read(sock, &(char){0}, 1) != 1)
			return 3;
		fw_fence_signal(b, 0);
		fw_fence_put(a);
		fw_fence_put(b);
	}
	{
		/* Never signalled: the receiver sees its producer die. */
		struct fw_fence *c = fw_fence_create(3, 1, "wake-c");
		int fc = fw_sync_file_create(c);

		ft_send_fd(sock, fc);
		close(fc);
	}
	return 0;
}

static void test_sync_files_wake_loop(void)
{
	enum { ROUNDS = WAKE_ROUNDS };
	struct fw_test_tasks before, after;
	struct fw_loop *loop;
	struct pollfd p = { .events = POLLIN };
	int sv[2], base, status, far = 0, got;
	char sock_arg[16];
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	snprintf(sock_arg, sizeof(sock_arg), "%d", sv[1]);
	pid = fw_test_spawn_role(
		(const char *[]){"wake-producer", sock_arg, NULL}, &sv[1], 1);
	close(sv[1]);
	base = fw_test_fd_baseline();
	loop = fw_loop_create();
	CHECK(loop);
	p.fd = fw_loop_get_fd(loop);
	fw_test_tasks_read(&before);
	CHECK(before.n > 0);
	for (int i = 1; i <= ROUNDS; i++) {
		int fa = ft_recv_fd(sv[0]), fb = ft_recv_fd(sv[0]);
		struct fw_fence *a = fw_sync_file_get_fence(fa);
		struct fw_fence *b = fw_sync_file_get_fence(fb);
		struct fw_wait *extra;

		CHECK(a && b);
		close(fa);
		close(fb);
		got = 0;
		CHECK(fw_loop_wait_fence(loop, a, on_flag, &got));
		extra = fw_loop_wait_fence(loop, b, on_flag, &far);
		CHECK(extra);
		fw_fence_put(a);
		fw_fence_put(b);
		CHECK(write(sv[0], "s", 1) == 1);
		while (!got) {
			CHECK(poll(&p, 1, -1) == 1);
			CHECK(fw_loop_dispatch(loop) >= 0);
		}
		CHECK_EQ(got, i % 10 == 0 ? -EIO : FW_FENCE_SIGNALED);
		fw_wait_cancel(extra);
		CHECK(write(sv[0], "s", 1) == 1);
	}
	{
		int fc = ft_recv_fd(sv[0]);
		struct fw_fence *c = fw_sync_file_get_fence(fc);

		CHECK(c);
		close(fc);
		got = 0;
		CHECK(fw_loop_wait_fence(loop, c, on_flag, &got));
		fw_fence_put(c);
		while (!got) {
			CHECK(poll(&p, 1, -1) == 1);
			CHECK(fw_loop_dispatch(loop) >= 0);
		}
		CHECK_EQ(got, -EPIPE);
	}
	fw_test_tasks_read(&after);
	/* Not 0: a helper thread left over from an earlier test may still
	 * time out once; the fd thread, on the other hand, would wake for
	 * every file. */
	if (fw_loop_uses_ring(loop))
		CHECK(fw_test_tasks_woken(&before, &after) < ROUNDS / 10);
	CHECK_EQ(far, 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fw_loop_destroy(loop);
	/* Without the ring the fd thread may still hold a proxy for a moment
	 * (its callback's reference): the proxy's fd goes with it. */
	for (int i = 0; i < 5000 && fw_test_count_fds() != base; i++)
		usleep(1000);
	fw_test_fd_check(base);
	close(sv[0]);
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
 * round (a cancelled futex request must neither fire nor leak).  The
 * child is this program started again with both timelines' fds.
 */
enum { PINGPONG_ROUNDS = 2000 };

/* Role "pingpong": argv is A B, timeline fds: signal A, wait for B. */
static int pingpong_child(int argc, char **argv)
{
	struct fw_timeline *a = NULL, *b = NULL;

	if (argc != 2)
		return 10;
	if (fw_timeline_import(atoi(argv[0]), &a) < 0 ||
	    fw_timeline_import(atoi(argv[1]), &b) < 0)
		return 11;
	for (int i = 1; i <= PINGPONG_ROUNDS; i++) {
		if (fw_timeline_signal(a, i) < 0 ||
		    fw_timeline_wait(b, i, -1) < 0)
			return 1;
	}
	return 0;
}

static void pingpong(bool ring)
{
	enum { ROUNDS = PINGPONG_ROUNDS };
	struct fw_timeline *a = make(), *b = make();
	struct fw_loop *loop = ring ? fw_loop_create()
				    : fw_loop_create_without_ring();
	struct pollfd p = { .fd = fw_loop_get_fd(loop), .events = POLLIN };
	int status, far = 0;
	int fds[2] = {fw_timeline_export_fd(a), fw_timeline_export_fd(b)};
	char a_arg[16], b_arg[16];
	pid_t pid;

	CHECK(fds[0] >= 0 && fds[1] >= 0);
	snprintf(a_arg, sizeof(a_arg), "%d", fds[0]);
	snprintf(b_arg, sizeof(b_arg), "%d", fds[1]);
	pid = fw_test_spawn_role(
		(const char *[]){"pingpong", a_arg, b_arg, NULL}, fds, 2);
	close(fds[0]);
	close(fds[1]);
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

static void noop_cb(struct fw_fence *fence, struct fw_fence_cb *cb)
{
}

/*
 * Timelines with points somebody waits for make helper threads -- not
 * those that only a loop's ring watches; once the timelines are gone, the
 * threads exit and the count returns to its baseline.
 */
static void test_helpers_exit(void)
{
	enum { N = 60 };
	struct fw_timeline *tls[N];
	struct fw_fence *pts[N];
	struct fw_fence_cb cbs[N];
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
	if (fw_loop_uses_ring(loop))
		CHECK(count_tasks() <= base);
	for (int i = 0; i < N; i++) {
		pts[i] = fw_timeline_point_fence(tls[i], 2);
		CHECK(pts[i]);
		CHECK_EQ(fw_fence_add_callback(pts[i], &cbs[i], noop_cb), 0);
	}
	CHECK(count_tasks() > base);
	for (int i = 0; i < N; i++) {
		CHECK(fw_fence_remove_callback(pts[i], &cbs[i]));
		fw_fence_put(pts[i]);
	}
	fw_loop_destroy(loop);
	for (int i = 0; i < N; i++)
		fw_timeline_put(tls[i]);
	/* A bounded wait for the outcome (10 s), not a timing. */
	while (count_tasks() > base && n++ < 1000)
		usleep(10000);
	CHECK(count_tasks() <= base);
	soft_watch_set_helper_idle(5000000000LL);
}

static const struct fw_test_role roles[] = {
	{"wake-producer", wake_producer},
	{"pingpong", pingpong_child},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	fw_test_run_role(argc, argv, roles);
	/* First: it counts this process's threads from a clean start. */
	test_helpers_exit();
	test_sync_files_wake_loop();
	test_path_choice();
	test_pingpong_ring();
	test_pingpong_helpers();
	test_idle_no_wakeups();
	return 0;
}
