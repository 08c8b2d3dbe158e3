/*
 * test-loop.c - fw_loop: one pollable fd + dispatch, cancel safety.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/loop.h>

#include "testlib.h"

struct hit {
	int runs;
	int status;
	uint64_t value_at_cb;
	struct fw_timeline *tl;
};

static void on_done(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	struct hit *h = data;

	h->runs++;
	h->status = fw_fence_get_status(fence);
	if (h->tl)
		fw_timeline_query(h->tl, &h->value_at_cb);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static struct fw_timeline *make(void)
{
	struct fw_timeline *tl = NULL;

	CHECK_EQ(fw_timeline_create("loop", &tl), 0);
	return tl;
}

static void test_create_destroy(void)
{
	struct fw_loop *loop = fw_loop_create();
	int fd;

	CHECK(loop);
	fd = fw_loop_get_fd(loop);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Idle: not readable, dispatch runs nothing. */
	CHECK(!readable(fd, 0));
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	fw_loop_destroy(loop);
	fw_loop_destroy(NULL);
	CHECK_EQ(fw_loop_get_fd(NULL), -EINVAL);
	CHECK_EQ(fw_loop_dispatch(NULL), -EINVAL);
}

static void test_bad_args(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct hit h = { 0 };

	errno = 0;
	CHECK(!fw_loop_wait_fence(NULL, f, on_done, &h));
	CHECK_EQ(errno, EINVAL);
	CHECK(!fw_loop_wait_fence(loop, NULL, on_done, &h));
	CHECK(!fw_loop_wait_fence(loop, f, NULL, &h));
	CHECK(!fw_loop_wait_point(loop, NULL, 1, on_done, &h));
	fw_wait_cancel(NULL);
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

static void test_wait_fence(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct hit h = { 0 };
	struct fw_wait *w = fw_loop_wait_fence(loop, f, on_done, &h);

	CHECK(w);
	CHECK(!readable(fw_loop_get_fd(loop), 0));
	/* The wait holds its own reference. */
	fw_fence_get(f);
	fw_fence_signal(f, -EIO);
	fw_fence_put(f);
	/* Never from inside signal: only from dispatch. */
	CHECK_EQ(h.runs, 0);
	CHECK(readable(fw_loop_get_fd(loop), 0));
	CHECK_EQ(fw_loop_dispatch(loop), 1);
	CHECK_EQ(h.runs, 1);
	CHECK_EQ(h.status, -EIO);
	CHECK(!readable(fw_loop_get_fd(loop), 0));
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	CHECK_EQ(h.runs, 1);
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

static void test_already_signaled(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct hit h = { 0 };

	fw_fence_signal(f, 0);
	CHECK(fw_loop_wait_fence(loop, f, on_done, &h));
	CHECK_EQ(h.runs, 0);
	CHECK(readable(fw_loop_get_fd(loop), 0));
	CHECK_EQ(fw_loop_dispatch(loop), 1);
	CHECK_EQ(h.runs, 1);
	CHECK_EQ(h.status, FW_FENCE_SIGNALED);
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

static void test_wait_point_and_cancel(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_timeline *tl = make();
	struct hit a = { .tl = tl }, b = { .tl = tl }, c = { .tl = tl };
	struct fw_wait *wa, *wb, *wc;

	wa = fw_loop_wait_point(loop, tl, 2, on_done, &a);
	wb = fw_loop_wait_point(loop, tl, 4, on_done, &b);
	wc = fw_loop_wait_point(loop, tl, 3, on_done, &c);
	CHECK(wa && wb && wc);
	fw_wait_cancel(wb);                       /* pending: never runs */
	fw_timeline_signal(tl, 3);
	CHECK(readable(fw_loop_get_fd(loop), 0));
	fw_wait_cancel(wc);                       /* ready: never runs */
	CHECK_EQ(fw_loop_dispatch(loop), 1);
	CHECK_EQ(a.runs, 1);
	CHECK(a.value_at_cb >= 2);
	CHECK_EQ(c.runs, 0);
	fw_timeline_signal(tl, 10);
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	CHECK_EQ(b.runs, 0);
	fw_timeline_put(tl);
	fw_loop_destroy(loop);
}

/* Destroy cancels outstanding waits; none of their callbacks run. */
static void test_destroy_with_waits(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_timeline *tl = make();
	struct hit h = { 0 };

	for (int i = 1; i <= 50; i++)
		CHECK(fw_loop_wait_point(loop, tl, i, on_done, &h));
	fw_timeline_signal(tl, 25);   /* half ready, half pending */
	fw_loop_destroy(loop);
	fw_timeline_signal(tl, 100);
	CHECK_EQ(h.runs, 0);
	fw_timeline_put(tl);
}

/* Callbacks that queue more waits: those run on a later dispatch. */
struct chain {
	struct fw_loop *loop;
	struct fw_fence *fence;
	int runs;
};

static void on_chain(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	struct chain *c = data;

	if (c->runs++ < 3)
		CHECK(fw_loop_wait_fence(c->loop, c->fence, on_chain, c));
}

static void test_requeue_from_callback(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct chain c = { loop, f, 0 };

	fw_fence_signal(f, 0);
	CHECK(fw_loop_wait_fence(loop, f, on_chain, &c));
	for (int i = 1; i <= 4; i++) {
		CHECK(readable(fw_loop_get_fd(loop), 0));
		CHECK_EQ(fw_loop_dispatch(loop), 1);
		CHECK_EQ(c.runs, i);
	}
	CHECK(!readable(fw_loop_get_fd(loop), 0));
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

/*
 * Cancel racing with a signal in another thread: every wait either runs
 * exactly once or not at all, and a cancelled wait never runs.
 */
struct race {
	struct fw_fence **fences;
	int n;
};

static void *signal_all(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < r->n; i++)
		fw_fence_signal(r->fences[i], 0);
	return NULL;
}

static void on_count(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	atomic_fetch_add((atomic_int *)data, 1);
}

static void test_cancel_race(void)
{
	enum { N = 2000 };
	struct fw_loop *loop = fw_loop_create();
	static struct fw_fence *fences[N];
	static struct fw_wait *waits[N];
	static atomic_int counts[N];
	struct race r = { fences, N };
	pthread_t t;

	for (int i = 0; i < N; i++) {
		fences[i] = fw_fence_create(1, i, "r");
		atomic_init(&counts[i], 0);
		waits[i] = fw_loop_wait_fence(loop, fences[i], on_count,
					      &counts[i]);
	}
	pthread_create(&t, NULL, signal_all, &r);
	for (int i = 0; i < N; i += 2)
		fw_wait_cancel(waits[i]);
	pthread_join(t, NULL);
	while (fw_loop_dispatch(loop) > 0)
		;
	for (int i = 0; i < N; i++) {
		CHECK_EQ(atomic_load(&counts[i]), i % 2 ? 1 : 0);
		fw_fence_put(fences[i]);
	}
	fw_loop_destroy(loop);
}

/* Cancel from another thread while dispatch runs that very callback. */
struct slow {
	atomic_int entered, release, finished;
};

static void on_slow(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	struct slow *s = data;

	atomic_store(&s->entered, 1);
	while (!atomic_load(&s->release))
		usleep(1000);
	atomic_store(&s->finished, 1);
}

static void *release_later(void *arg)
{
	struct slow *s = arg;

	/*
	 * Not a timing assertion: the main thread only has to enter
	 * fw_wait_cancel() within this time for the test to exercise the
	 * RUNNING case (otherwise it would cancel a finished wait).
	 */
	usleep(100000);
	atomic_store(&s->release, 1);
	return NULL;
}

static void *dispatcher(void *arg)
{
	fw_loop_dispatch(arg);
	return NULL;
}

static void test_cancel_while_running(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct slow s = { 0 };
	struct fw_wait *w = fw_loop_wait_fence(loop, f, on_slow, &s);
	pthread_t t, r;

	fw_fence_signal(f, 0);
	pthread_create(&t, NULL, dispatcher, loop);
	while (!atomic_load(&s.entered))
		usleep(1000);
	pthread_create(&r, NULL, release_later, &s);
	fw_wait_cancel(w);
	/* Cancel returned: the callback is over. */
	CHECK_EQ(atomic_load(&s.finished), 1);
	pthread_join(t, NULL);
	pthread_join(r, NULL);
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

/*
 * The children of the cross-process tests are this program started again
 * (fw_test_spawn_role()), given the timelines' fds; fd_arg() writes such
 * an fd into @buf as a role argument.
 */
static const char *fd_arg(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "%d", fd);
	return buf;
}

/* Role "signal": argv is TIMELINE POINT; signals POINT. */
static int signal_child(int argc, char **argv)
{
	struct fw_timeline *c = NULL;

	if (argc != 2 || fw_timeline_import(atoi(argv[0]), &c) < 0)
		return 1;
	fw_timeline_signal(c, strtoull(argv[1], NULL, 10));
	return 0;
}

/* A child process signals; the loop fd becomes readable in the parent. */
static void test_cross_process(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_timeline *tl = make();
	struct hit h = { .tl = tl };
	int fd = fw_timeline_export_fd(tl), status;
	char arg[16];
	pid_t pid;

	CHECK(fw_loop_wait_point(loop, tl, 7, on_done, &h));
	pid = fw_test_spawn_role((const char *[]){"signal",
						  fd_arg(arg, sizeof(arg), fd),
						  "7", NULL},
				 &fd, 1);
	/* A wake-up may be spurious: dispatch until ours ran. */
	while (h.runs == 0) {
		CHECK(readable(fw_loop_get_fd(loop), -1));
		CHECK(fw_loop_dispatch(loop) >= 0);
	}
	CHECK_EQ(h.runs, 1);
	CHECK_EQ(h.status, FW_FENCE_SIGNALED);
	CHECK(h.value_at_cb >= 7);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	fw_timeline_put(tl);
	fw_loop_destroy(loop);
}

/* A callback may cancel another wait that is ready in the same batch. */
struct canceller {
	struct fw_wait *victim;
	int runs;
};

static void on_cancel_other(struct fw_wait *w, struct fw_fence *fence,
			    void *data)
{
	struct canceller *c = data;

	c->runs++;
	fw_wait_cancel(c->victim);
}

static void test_cancel_sibling_from_callback(void)
{
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct hit victim = { 0 };
	struct canceller c = { 0 };

	CHECK(fw_loop_wait_fence(loop, f, on_cancel_other, &c));
	c.victim = fw_loop_wait_fence(loop, f, on_done, &victim);
	CHECK(c.victim);
	fw_fence_signal(f, 0);
	/* Both ready; the first runs and cancels the second. */
	CHECK_EQ(fw_loop_dispatch(loop), 1);
	CHECK_EQ(c.runs, 1);
	CHECK_EQ(victim.runs, 0);
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	fw_fence_put(f);
	fw_loop_destroy(loop);
}

/*
 * Cross-process ping-pong through the loop: the child waits on a's next
 * point with fw_loop (the helper-thread path) and answers on b.  A point
 * added while the peer raises the value concurrently must never be missed
 * (a lost wake-up hangs here, and meson's timeout fails the test).
 */
static void on_flag(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	*(int *)data = fw_fence_get_status(fence);
}

enum { PINGPONG_ROUNDS = 10000 };

/* Role "pingpong": argv is A B, timeline fds. */
static int pingpong_child(int argc, char **argv)
{
	struct fw_timeline *a = NULL, *b = NULL;
	struct fw_loop *loop;
	struct pollfd p = {.events = POLLIN};
	struct fw_timeline *others[10];
	int far = 0;

	if (argc != 2 || fw_timeline_import(atoi(argv[0]), &a) < 0 ||
	    fw_timeline_import(atoi(argv[1]), &b) < 0)
		return 4;
	loop = fw_loop_create();
	p.fd = fw_loop_get_fd(loop);
	/* Unrelated waits share the helper thread with a. */
	for (int i = 0; i < 10; i++) {
		others[i] = make();
		fw_loop_wait_point(loop, others[i], 1, on_flag, &far);
	}
	for (int i = 1; i <= PINGPONG_ROUNDS; i++) {
		int got = 0;

		if (!fw_loop_wait_point(loop, a, i, on_flag, &got))
			return 1;
		while (!got) {
			if (poll(&p, 1, -1) < 0)
				return 2;
			fw_loop_dispatch(loop);
		}
		if (got != FW_FENCE_SIGNALED)
			return 3;
		fw_timeline_signal(b, i);
	}
	fw_loop_destroy(loop);
	return 0;
}

static void test_cross_process_pingpong(void)
{
	enum { ROUNDS = PINGPONG_ROUNDS };
	struct fw_timeline *a = make(), *b = make();
	int fds[2] = {fw_timeline_export_fd(a), fw_timeline_export_fd(b)};
	char a_arg[16], b_arg[16];
	int status;
	pid_t pid;

	pid = fw_test_spawn_role(
		(const char *[]){"pingpong",
				 fd_arg(a_arg, sizeof(a_arg), fds[0]),
				 fd_arg(b_arg, sizeof(b_arg), fds[1]), NULL},
		fds, 2);
	close(fds[0]);
	close(fds[1]);
	for (int i = 1; i <= ROUNDS; i++) {
		CHECK_EQ(fw_timeline_signal(a, i), 0);
		CHECK_EQ(fw_timeline_wait(b, i, -1), 0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	fw_timeline_put(a);
	fw_timeline_put(b);
}

static const struct fw_test_role roles[] = {
	{"signal", signal_child},
	{"pingpong", pingpong_child},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int base;

	fw_test_run_role(argc, argv, roles);
	base = fw_test_fd_baseline();

	RUN(test_create_destroy);
	RUN(test_bad_args);
	RUN(test_wait_fence);
	RUN(test_already_signaled);
	RUN(test_wait_point_and_cancel);
	RUN(test_destroy_with_waits);
	RUN(test_requeue_from_callback);
	RUN(test_cancel_race);
	RUN(test_cancel_while_running);
	RUN(test_cancel_sibling_from_callback);
	RUN(test_cross_process);
	RUN(test_cross_process_pingpong);
	fw_test_fd_check(base);
	return 0;
}
