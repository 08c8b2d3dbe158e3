/*
 * test-timeline.c - timelines: the generic API on the soft backend,
 * cross-process signalling, errors, point fences, the private helpers for
 * the compat layer.  Run twice by meson: default path and forced fallback.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/fence.h>
#include <fenceway/timeline.h>

#include "soft_timeline.h"
#include "testlib.h"

static struct fw_timeline *make(const char *name)
{
	struct fw_timeline *tl = NULL;

	CHECK_EQ(fw_timeline_create(name, &tl), 0);
	CHECK(tl);
	return tl;
}

static uint64_t value_of(struct fw_timeline *tl)
{
	uint64_t v = 12345;

	CHECK_EQ(fw_timeline_query(tl, &v), 0);
	return v;
}

static void test_create_and_basics(void)
{
	struct fw_timeline *tl = make("gpu-queue");

	CHECK_EQ(fw_timeline_backend(tl), FW_BACKEND_SOFT);
	CHECK(strcmp(fw_timeline_name(tl), "gpu-queue") == 0);
	CHECK(fw_timeline_is_soft(tl));
	CHECK_EQ(value_of(tl), 0);
	CHECK_EQ(fw_timeline_get_error(tl), 0);
	CHECK(fw_timeline_get(tl) == tl);
	fw_timeline_put(tl);
	CHECK_EQ(fw_timeline_create("x", NULL), -EINVAL);
	fw_timeline_put(tl);

	tl = make(NULL);
	CHECK(strcmp(fw_timeline_name(tl), "") == 0);
	fw_timeline_put(tl);

	/* NULL arguments are refused, not crashed on. */
	CHECK_EQ(fw_timeline_signal(NULL, 1), -EINVAL);
	CHECK_EQ(fw_timeline_query(NULL, NULL), -EINVAL);
	CHECK_EQ(fw_timeline_export_fd(NULL), -EINVAL);
	CHECK_EQ(fw_timeline_wait(NULL, 1, 0), -EINVAL);
	CHECK_EQ(fw_timeline_set_error(NULL, -EIO), -EINVAL);
	errno = 0;
	CHECK(fw_timeline_point_fence(NULL, 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	fw_timeline_put(NULL);
	CHECK(fw_timeline_get(NULL) == NULL);
}

static void test_signal_monotonic(void)
{
	struct fw_timeline *tl = make("m");

	CHECK_EQ(fw_timeline_signal(tl, 5), 0);
	CHECK_EQ(value_of(tl), 5);
	/* Lower values are ignored, and not an error. */
	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	CHECK_EQ(value_of(tl), 5);
	CHECK_EQ(fw_timeline_signal(tl, UINT64_MAX), 0);
	CHECK_EQ(value_of(tl), (long long)UINT64_MAX);
	fw_timeline_put(tl);
}

static void test_point_fences(void)
{
	struct fw_timeline *tl = make("p");
	struct fw_fence *f0, *f3, *f5, *f5b, *late;

	f0 = fw_timeline_point_fence(tl, 0);
	f3 = fw_timeline_point_fence(tl, 3);
	f5 = fw_timeline_point_fence(tl, 5);
	f5b = fw_timeline_point_fence(tl, 5);
	CHECK(f0 && f3 && f5 && f5b);
	/* Point 0 is reached by any value. */
	CHECK_EQ(fw_fence_get_status(f0), FW_FENCE_SIGNALED);
	CHECK(strcmp(fw_fence_driver_name(f3), "fenceway-soft") == 0);
	CHECK(strcmp(fw_fence_timeline_name(f3), "p") == 0);
	/* One context per timeline; seqno is the point. */
	CHECK_EQ(fw_fence_context(f3), fw_fence_context(f5));
	CHECK_EQ(fw_fence_seqno(f5), 5);

	CHECK_EQ(fw_timeline_signal(tl, 1), 0);
	CHECK(!fw_fence_is_signaled(f3));
	/* Signalled before signal() returns, no helper thread needed. */
	CHECK_EQ(fw_timeline_signal(tl, 4), 0);
	CHECK_EQ(fw_fence_get_status(f3), FW_FENCE_SIGNALED);
	CHECK(!fw_fence_is_signaled(f5));
	CHECK_EQ(fw_timeline_signal(tl, 5), 0);
	CHECK_EQ(fw_fence_get_status(f5), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_fence_get_status(f5b), FW_FENCE_SIGNALED);
	/* Still signalled after more increments. */
	CHECK_EQ(fw_timeline_signal(tl, 9), 0);
	CHECK_EQ(fw_fence_get_status(f5), FW_FENCE_SIGNALED);
	/* A point already reached is born signalled. */
	late = fw_timeline_point_fence(tl, 7);
	CHECK_EQ(fw_fence_get_status(late), FW_FENCE_SIGNALED);

	fw_fence_put(f0);
	fw_fence_put(f3);
	fw_fence_put(f5);
	fw_fence_put(f5b);
	fw_fence_put(late);
	fw_timeline_put(tl);
}

/* Point 2^64-1 signals only at UINT64_MAX. */
static void test_max_point(void)
{
	struct fw_timeline *tl = make("max");
	struct fw_fence *f = fw_timeline_point_fence(tl, UINT64_MAX);

	CHECK_EQ(fw_timeline_signal(tl, UINT64_MAX - 1), 0);
	CHECK(!fw_fence_is_signaled(f));
	CHECK_EQ(fw_timeline_wait(tl, UINT64_MAX, 0), -ETIME);
	CHECK_EQ(fw_timeline_signal(tl, UINT64_MAX), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_timeline_wait(tl, UINT64_MAX, 0), 0);
	fw_fence_put(f);

	/* advance saturates instead of wrapping to 0. */
	{
		struct fw_timeline *t2 = make("sat");
		uint64_t nv = 0;

		CHECK_EQ(fw_timeline_signal(t2, UINT64_MAX - 2), 0);
		CHECK_EQ(fw_soft_timeline_advance(t2, 10, &nv), 0);
		CHECK_EQ(nv, (long long)UINT64_MAX);
		CHECK_EQ(value_of(t2), (long long)UINT64_MAX);
		fw_timeline_put(t2);
	}
	fw_timeline_put(tl);
}

static void test_error(void)
{
	struct fw_timeline *tl = make("err");
	struct fw_fence *done, *pending, *later;

	CHECK_EQ(fw_timeline_signal(tl, 2), 0);
	done = fw_timeline_point_fence(tl, 2);
	pending = fw_timeline_point_fence(tl, 10);
	CHECK_EQ(fw_timeline_set_error(tl, 5), -EINVAL);
	CHECK_EQ(fw_timeline_set_error(tl, 0), -EINVAL);
	CHECK_EQ(fw_timeline_set_error(tl, -EIO), 0);
	CHECK_EQ(fw_timeline_get_error(tl), -EIO);
	/* Pending points fail; reached ones stay signalled. */
	CHECK_EQ(fw_fence_get_status(pending), -EIO);
	CHECK_EQ(fw_fence_get_status(done), FW_FENCE_SIGNALED);
	/* Future points fail too; the first error wins. */
	CHECK_EQ(fw_timeline_set_error(tl, -ENODEV), 0);
	CHECK_EQ(fw_timeline_get_error(tl), -EIO);
	later = fw_timeline_point_fence(tl, 20);
	CHECK_EQ(fw_fence_get_status(later), -EIO);
	CHECK_EQ(fw_timeline_wait(tl, 30, -1), -EIO);
	/* But a point at or below the value is still fine. */
	CHECK_EQ(fw_timeline_wait(tl, 1, -1), 0);

	fw_fence_put(done);
	fw_fence_put(pending);
	fw_fence_put(later);
	fw_timeline_put(tl);
}

static void test_export_import_same_object(void)
{
	struct fw_timeline *tl = make("shared"), *imp = NULL, *imp2 = NULL;
	struct fw_fence *a, *b, *arr[2], *m;
	int fd = fw_timeline_export_fd(tl);
	int fd2;

	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(fw_soft_timeline_fd_is_soft(fd));
	/* Same inode in one process: the same object and context. */
	CHECK_EQ(fw_timeline_import(fd, &imp), 0);
	CHECK(imp == tl);
	fd2 = fw_timeline_export_fd(imp);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK_EQ(fw_timeline_import(fd2, &imp2), 0);
	CHECK(imp2 == tl);
	a = fw_timeline_point_fence(tl, 3);
	b = fw_timeline_point_fence(imp2, 7);
	arr[0] = a;
	arr[1] = b;
	m = fw_fence_merge(arr, 2);
	CHECK(m == b); /* one point per timeline: the later */

	/* lookup by fd finds it; an unknown memfd is ENOENT. */
	{
		struct fw_timeline *look = fw_soft_timeline_lookup_fd(fd2);
		dev_t dev;
		ino_t ino;
		struct stat st;

		CHECK(look == tl);
		fw_timeline_put(look);
		CHECK_EQ(fw_soft_timeline_inode(tl, &dev, &ino), 0);
		CHECK_EQ(fstat(fd, &st), 0);
		CHECK(st.st_ino == ino && st.st_dev == dev);
		CHECK_EQ(fw_soft_timeline_inode(NULL, &dev, &ino), -EINVAL);
	}
	errno = 0;
	CHECK(fw_soft_timeline_lookup_fd(-1) == NULL);
	CHECK_EQ(errno, EBADF);

	fw_fence_put(m);
	fw_fence_put(a);
	fw_fence_put(b);
	fw_timeline_put(imp);
	fw_timeline_put(imp2);
	close(fd2);
	fw_timeline_put(tl);

	/* The object is gone but the fd lives: importing makes a new one. */
	{
		struct fw_timeline *again = NULL;
		int unk;

		CHECK_EQ(fw_timeline_import(fd, &again), 0);
		CHECK(strcmp(fw_timeline_name(again), "shared") == 0);
		fw_timeline_put(again);
		unk = memfd_create("other", MFD_CLOEXEC);
		errno = 0;
		CHECK(fw_soft_timeline_lookup_fd(unk) == NULL);
		CHECK_EQ(errno, ENOENT);
		CHECK(!fw_soft_timeline_fd_is_soft(unk));
		close(unk);
	}
	close(fd);
}

static void test_advance(void)
{
	struct fw_timeline *tl = make("adv");
	struct fw_fence *f = fw_timeline_point_fence(tl, 3);
	uint64_t nv = 0;

	CHECK_EQ(fw_soft_timeline_advance(tl, 2, &nv), 0);
	CHECK_EQ(nv, 2);
	CHECK(!fw_fence_is_signaled(f));
	CHECK_EQ(fw_soft_timeline_advance(tl, 1, NULL), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_soft_timeline_advance(tl, 0, &nv), 0);
	CHECK_EQ(nv, 3);
	CHECK_EQ(fw_soft_timeline_advance(NULL, 1, NULL), -EINVAL);
	fw_fence_put(f);
	fw_timeline_put(tl);
}

/* Two threads adding 1 at a time never lose an increment. */
static void *adder(void *arg)
{
	for (int i = 0; i < 20000; i++)
		fw_soft_timeline_advance(arg, 1, NULL);
	return NULL;
}

static void test_advance_concurrent(void)
{
	struct fw_timeline *tl = make("adv2");
	pthread_t a, b;

	pthread_create(&a, NULL, adder, tl);
	pthread_create(&b, NULL, adder, tl);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_EQ(value_of(tl), 40000);
	fw_timeline_put(tl);
}

static void test_fail_local(void)
{
	struct fw_timeline *tl = make("fl");
	struct fw_fence *reached, *p1, *p2, *after;
	int fd = fw_timeline_export_fd(tl);

	CHECK_EQ(fw_timeline_signal(tl, 1), 0);
	reached = fw_timeline_point_fence(tl, 1);
	p1 = fw_timeline_point_fence(tl, 4);
	p2 = fw_timeline_point_fence(tl, 9);
	CHECK_EQ(fw_soft_timeline_fail_local_by_fd(fd, 0), -EINVAL);
	CHECK_EQ(fw_soft_timeline_fail_local_by_fd(fd, -ENOENT), 2);
	CHECK_EQ(fw_fence_get_status(p1), -ENOENT);
	CHECK_EQ(fw_fence_get_status(p2), -ENOENT);
	CHECK_EQ(fw_fence_get_status(reached), FW_FENCE_SIGNALED);
	/* The page is untouched: no error, and later points work. */
	CHECK_EQ(fw_timeline_get_error(tl), 0);
	after = fw_timeline_point_fence(tl, 2);
	CHECK(!fw_fence_is_signaled(after));
	CHECK_EQ(fw_timeline_signal(tl, 2), 0);
	CHECK_EQ(fw_fence_get_status(after), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_soft_timeline_fail_local(NULL, -ENOENT), -EINVAL);
	CHECK_EQ(fw_soft_timeline_fail_local_by_fd(-1, -ENOENT), -EBADF);

	fw_fence_put(reached);
	fw_fence_put(p1);
	fw_fence_put(p2);
	fw_fence_put(after);
	fw_timeline_put(tl);
	/* Known to nobody any more: fails nothing. */
	CHECK_EQ(fw_soft_timeline_fail_local_by_fd(fd, -ENOENT), 0);
	close(fd);
}

/* After failing every pending point locally, nothing keeps it alive. */
static void test_fail_local_releases(void)
{
	struct fw_timeline *tl = make("flr"), *look;
	struct fw_fence *p = fw_timeline_point_fence(tl, 9);
	int fd = fw_timeline_export_fd(tl);

	CHECK_EQ(fw_soft_timeline_fail_local(tl, -ENOENT), 1);
	CHECK_EQ(fw_fence_get_status(p), -ENOENT);
	fw_fence_put(p);
	fw_timeline_put(tl);
	/* No watcher thread may still hold it (fallback: it must wake). */
	CHECK_EQ(fw_sync_debug_quiesce(10000000000LL), 0);
	errno = 0;
	look = fw_soft_timeline_lookup_fd(fd);
	CHECK(look == NULL);
	CHECK_EQ(errno, ENOENT);
	close(fd);
}

static void *delayed_signaller(void *arg)
{
	usleep(10000);
	fw_timeline_signal(arg, 8);
	return NULL;
}

static void test_wait(void)
{
	struct fw_timeline *tl = make("w");
	pthread_t t;

	CHECK_EQ(fw_timeline_wait(tl, 0, 0), 0);
	CHECK_EQ(fw_timeline_wait(tl, 1, 0), -ETIME);
	CHECK_EQ(fw_timeline_wait(tl, 1, 1000000), -ETIME);
	pthread_create(&t, NULL, delayed_signaller, tl);
	CHECK_EQ(fw_timeline_wait(tl, 8, -1), 0);
	pthread_join(t, NULL);
	CHECK_EQ(fw_timeline_wait(tl, 8, INT64_MAX), 0);
	fw_timeline_put(tl);
}

/* A fence wait (condvar) on a point another thread signals. */
static void test_fence_wait_point(void)
{
	struct fw_timeline *tl = make("fw");
	struct fw_fence *f = fw_timeline_point_fence(tl, 8);
	pthread_t t;

	pthread_create(&t, NULL, delayed_signaller, tl);
	CHECK_EQ(fw_fence_wait(f, -1), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	pthread_join(t, NULL);
	fw_fence_put(f);
	fw_timeline_put(tl);
}

/*
 * The children of the cross-process tests are this program started again
 * (fw_test_spawn_role()) with the timelines' exported fds; fd_arg() writes
 * such an fd into @buf as a role argument.
 */
static const char *fd_arg(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "%d", fd);
	return buf;
}

/*
 * Role "signal-then-fail": argv is TIMELINE GO.  On a byte from GO (a
 * pipe), signal 5; on the next, fail the timeline with -ECANCELED.
 */
static int signal_then_fail(int argc, char **argv)
{
	struct fw_timeline *ctl = NULL;
	int go;
	char c;

	if (argc != 2)
		return 10;
	go = atoi(argv[1]);
	if (read(go, &c, 1) != 1)
		return 2;
	if (fw_timeline_import(atoi(argv[0]), &ctl) < 0)
		return 3;
	fw_timeline_signal(ctl, 5);
	if (read(go, &c, 1) != 1)
		return 2;
	fw_timeline_set_error(ctl, -ECANCELED);
	return 0;
}

/*
 * Cross-process: the child imports the exported memfd (inherited) and
 * signals; the parent's fences signal through the library's own threads,
 * while the parent only waits on the fence (no timeline call of its own).
 */
static void test_cross_process(void)
{
	struct fw_timeline *tl = make("xproc");
	struct fw_fence *f5 = fw_timeline_point_fence(tl, 5);
	struct fw_fence *f9 = fw_timeline_point_fence(tl, 9);
	int fd = fw_timeline_export_fd(tl);
	int pipefd[2], status;
	char fd_buf[16], go_buf[16];
	pid_t pid;

	CHECK_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fw_test_spawn_role(
		(const char *[]){
			"signal-then-fail", fd_arg(fd_buf, sizeof(fd_buf), fd),
			fd_arg(go_buf, sizeof(go_buf), pipefd[0]), NULL},
		(int[]){fd, pipefd[0]}, 2);
	close(pipefd[0]);
	CHECK_EQ(fw_fence_get_status(f5), FW_FENCE_PENDING);
	CHECK_EQ(write(pipefd[1], "g", 1), 1);
	CHECK_EQ(fw_fence_wait(f5, -1), 0);
	CHECK_EQ(fw_fence_get_status(f5), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_fence_get_status(f9), FW_FENCE_PENDING);
	CHECK_EQ(write(pipefd[1], "g", 1), 1);
	CHECK_EQ(fw_fence_wait(f9, -1), 0);
	CHECK_EQ(fw_fence_get_status(f9), -ECANCELED);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pipefd[1]);
	close(fd);
	fw_fence_put(f5);
	fw_fence_put(f9);
	fw_timeline_put(tl);
}

/* Role "wait": argv is TIMELINE; a synchronous wait for 3 (10 s). */
static int wait_child(int argc, char **argv)
{
	struct fw_timeline *tl = NULL;

	if (argc != 1 || fw_timeline_import(atoi(argv[0]), &tl) < 0)
		return 2;
	return fw_timeline_wait(tl, 3, 10000000000LL) == 0 ? 0 : 1;
}

/* A child's synchronous wait on a value the parent raises later. */
static void test_cross_process_sync_wait(void)
{
	struct fw_timeline *tl = make("xsync");
	int fd = fw_timeline_export_fd(tl), status;
	char fd_buf[16];
	pid_t pid;

	pid = fw_test_spawn_role(
		(const char *[]){"wait", fd_arg(fd_buf, sizeof(fd_buf), fd),
				 NULL},
		&fd, 1);
	close(fd);
	usleep(5000);
	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fw_timeline_put(tl);
}

/* Role "signal-many": argv is timeline fds; signals 2 on each, last first. */
static int signal_many(int argc, char **argv)
{
	for (int i = argc - 1; i >= 0; i--) {
		struct fw_timeline *c = NULL;

		if (fw_timeline_import(atoi(argv[i]), &c) < 0)
			return 1;
		fw_timeline_signal(c, 2);
		fw_timeline_put(c);
	}
	return 0;
}

/* Many timelines (more than one futex_waitv batch) signalled remotely. */
static void test_many_timelines_remote(void)
{
	enum { N = 300 };
	struct fw_timeline *tls[N];
	struct fw_fence *fs[N];
	int fds[N], status;
	char bufs[N][16];
	const char *args[N + 2] = {"signal-many"};
	pid_t pid;

	for (int i = 0; i < N; i++) {
		tls[i] = make("many");
		fds[i] = fw_timeline_export_fd(tls[i]);
		fs[i] = fw_timeline_point_fence(tls[i], 2);
		args[i + 1] = fd_arg(bufs[i], sizeof(bufs[i]), fds[i]);
	}
	args[N + 1] = NULL;
	pid = fw_test_spawn_role(args, fds, N);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(fw_fence_wait(fs[i], -1), 0);
		CHECK_EQ(fw_fence_get_status(fs[i]), FW_FENCE_SIGNALED);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < N; i++) {
		fw_fence_put(fs[i]);
		close(fds[i]);
		fw_timeline_put(tls[i]);
	}
}

/* Dropping pending fences and their timeline leaks nothing. */
static void test_drop_pending(void)
{
	struct fw_timeline *tl = make("drop");
	struct fw_fence *f = fw_timeline_point_fence(tl, 100);
	struct fw_fence *g = fw_timeline_point_fence(tl, 50);

	fw_timeline_put(tl);           /* fences keep it alive */
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	fw_fence_put(g);
	fw_fence_put(f);               /* now it goes, with its memfd */
}

/*
 * fw_timeline_signal() returns only once every fence <= point of this
 * process has signalled and run its callbacks, even though its own wake-up
 * also wakes the library's watcher thread, which may pop the same points.
 */
struct flag_cb {
	struct fw_fence_cb cb;
	atomic_int ran;
};

static void set_flag(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	atomic_store(&((struct flag_cb *)cb)->ran, 1);
}

static void test_local_signal_completes(void)
{
	struct fw_timeline *tl = make("complete");
	/* A second waiter keeps the watcher registered and busy. */
	struct fw_fence *far = fw_timeline_point_fence(tl, UINT64_MAX);

	for (uint64_t i = 1; i <= 3000; i++) {
		struct fw_fence *f = fw_timeline_point_fence(tl, i);
		struct flag_cb c = { 0 };

		CHECK_EQ(fw_fence_add_callback(f, &c.cb, set_flag), 0);
		CHECK_EQ(fw_timeline_signal(tl, i), 0);
		CHECK_EQ(atomic_load(&c.ran), 1);
		CHECK(!fw_fence_remove_callback(f, &c.cb));
		fw_fence_put(f);
	}
	fw_fence_put(far);
	fw_timeline_put(tl);
}

static void test_force_fallback_latched(void)
{
	bool fb = fw_sync_using_fallback();

	/* Timelines exist: the mode can no longer change. */
	CHECK_EQ(fw_sync_force_fallback(!fb), -EBUSY);
	CHECK_EQ(fw_sync_force_fallback(fb), 0);
	if (getenv("FENCEWAY_SYNC_FORCE_FALLBACK"))
		CHECK(fb);
}

static const struct fw_test_role roles[] = {
	{"signal-then-fail", signal_then_fail},
	{"wait", wait_child},
	{"signal-many", signal_many},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int base;

	fw_test_run_role(argc, argv, roles);
	base = fw_test_fd_baseline();

	fprintf(stderr, "wait path: %s\n",
		fw_sync_using_fallback() ? "fallback (FUTEX_WAIT)"
					 : "futex_waitv helpers");
	RUN(test_create_and_basics);
	RUN(test_signal_monotonic);
	RUN(test_point_fences);
	RUN(test_max_point);
	RUN(test_error);
	RUN(test_export_import_same_object);
	RUN(test_advance);
	RUN(test_advance_concurrent);
	RUN(test_fail_local);
	RUN(test_fail_local_releases);
	RUN(test_wait);
	RUN(test_fence_wait_point);
	RUN(test_cross_process);
	RUN(test_cross_process_sync_wait);
	RUN(test_many_timelines_remote);
	RUN(test_drop_pending);
	RUN(test_local_signal_completes);
	RUN(test_force_fallback_latched);
	fw_test_fd_check(base);
	return 0;
}
