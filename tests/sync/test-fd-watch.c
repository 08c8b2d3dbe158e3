/*
 * test-fd-watch.c - the library's epoll thread (private fd_watch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd_watch.h"
#include "testlib.h"

struct fired {
	atomic_int runs;
	atomic_uint events;
	atomic_int fd;
	atomic_int entered, release, finished;
	bool slow;
};

static void on_fd(int fd, uint32_t events, void *data)
{
	struct fired *f = data;

	atomic_store(&f->entered, 1);
	while (f->slow && !atomic_load(&f->release))
		usleep(1000);
	atomic_store(&f->fd, fd);
	atomic_store(&f->events, events);
	atomic_fetch_add(&f->runs, 1);
	atomic_store(&f->finished, 1);
}

static void wait_runs(struct fired *f, int n)
{
	while (atomic_load(&f->runs) < n)
		usleep(1000);
}

/*
 * A new pipe in @p (the caller closes both ends) whose read end is watched
 * for EPOLLIN with on_fd() recording into @f.  The watch is the caller's.
 */
static struct fw_fd_watch *watch_pipe(int p[2], struct fired *f)
{
	struct fw_fd_watch *w;

	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	w = fw_fd_watch_add(p[0], EPOLLIN, 0, on_fd, f);
	CHECK(w);
	return w;
}

static void test_bad_args(void)
{
	errno = 0;
	CHECK(!fw_fd_watch_add(-1, EPOLLIN, 0, on_fd, NULL));
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK(!fw_fd_watch_add(0, EPOLLIN, 0, NULL, NULL));
	CHECK_EQ(errno, EINVAL);
	/* An fd epoll cannot watch (a regular file): EPERM, nothing kept. */
	{
		int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

		errno = 0;
		CHECK(!fw_fd_watch_add(fd, EPOLLIN, 0, on_fd, NULL));
		CHECK_EQ(errno, EPERM);
		close(fd);
	}
	fw_fd_watch_remove(NULL);
}

static void test_fires_once(void)
{
	struct fired f = { 0 };
	struct fw_fd_watch *w;
	int p[2];

	w = watch_pipe(p, &f);
	CHECK_EQ(write(p[1], "x", 1), 1);
	wait_runs(&f, 1);
	CHECK_EQ(atomic_load(&f.fd), p[0]);
	CHECK(atomic_load(&f.events) & EPOLLIN);
	/* One-shot: more data does not fire it again. */
	CHECK_EQ(write(p[1], "y", 1), 1);
	usleep(20000);
	CHECK_EQ(atomic_load(&f.runs), 1);
	fw_fd_watch_remove(w);
	close(p[0]);
	close(p[1]);
}

static void test_hup(void)
{
	struct fired f = { 0 };
	struct fw_fd_watch *w;
	int p[2];

	w = watch_pipe(p, &f);
	close(p[1]);
	wait_runs(&f, 1);
	CHECK(atomic_load(&f.events) & EPOLLHUP);
	fw_fd_watch_remove(w);
	close(p[0]);
}

static void test_remove_before_fire(void)
{
	struct fired f = { 0 };
	struct fw_fd_watch *w;
	int p[2];

	w = watch_pipe(p, &f);
	fw_fd_watch_remove(w);
	CHECK_EQ(write(p[1], "x", 1), 1);
	usleep(20000);
	CHECK_EQ(atomic_load(&f.runs), 0);
	close(p[0]);
	close(p[1]);
}

static void *release_later(void *arg)
{
	struct fired *f = arg;

	usleep(100000);
	atomic_store(&f->release, 1);
	return NULL;
}

/* remove() returns only after a running callback has finished. */
static void test_remove_waits(void)
{
	struct fired f = { .slow = true };
	struct fw_fd_watch *w;
	pthread_t t;
	int p[2];

	w = watch_pipe(p, &f);
	CHECK_EQ(write(p[1], "x", 1), 1);
	while (!atomic_load(&f.entered))
		usleep(1000);
	pthread_create(&t, NULL, release_later, &f);
	fw_fd_watch_remove(w);
	CHECK_EQ(atomic_load(&f.finished), 1);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
}

static void test_auto_free_and_same_fd(void)
{
	struct fired a = { 0 }, b = { 0 };
	struct fw_fd_watch *wa, *wb;
	int p[2];

	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	/* Two watches on one fd number: both fire. */
	wa = fw_fd_watch_add(p[0], EPOLLIN, FW_FD_WATCH_AUTO_FREE, on_fd, &a);
	wb = fw_fd_watch_add(p[0], EPOLLIN, FW_FD_WATCH_AUTO_FREE, on_fd, &b);
	CHECK(wa && wb);
	CHECK_EQ(write(p[1], "x", 1), 1);
	wait_runs(&a, 1);
	wait_runs(&b, 1);
	/* Both callbacks get the caller's fd number. */
	CHECK_EQ(atomic_load(&a.fd), p[0]);
	CHECK_EQ(atomic_load(&b.fd), p[0]);
	/* Auto-freed (ASan/valgrind check nothing leaks; the dup closes). */
	usleep(10000);
	close(p[0]);
	close(p[1]);
}

/* A removed watch's late epoll event must not reach a new watch. */
static void test_many_add_remove(void)
{
	for (int i = 0; i < 500; i++) {
		struct fired f = { 0 };
		struct fw_fd_watch *w;
		int p[2];

		w = watch_pipe(p, &f);
		if (i % 2)
			CHECK_EQ(write(p[1], "x", 1), 1);
		fw_fd_watch_remove(w);
		CHECK(atomic_load(&f.runs) <= 1);
		close(p[0]);
		close(p[1]);
	}
}

/* The child keeps none of the parent's watches but can make its own. */
static void test_fork(void)
{
	struct fired f = { 0 };
	struct fw_fd_watch *w;
	int p[2], status;
	pid_t pid;

	w = watch_pipe(p, &f);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct fired g = { 0 };
		struct fw_fd_watch *cw;
		int q[2];

		/* Inherited: removing just frees it; parent unaffected. */
		fw_fd_watch_remove(w);
		if (pipe2(q, O_CLOEXEC) < 0)
			_exit(1);
		cw = fw_fd_watch_add(q[0], EPOLLIN, 0, on_fd, &g);
		if (!cw || write(q[1], "x", 1) != 1)
			_exit(2);
		while (atomic_load(&g.runs) < 1)
			usleep(1000);
		fw_fd_watch_remove(cw);
		_exit(atomic_load(&f.runs) == 0 ? 0 : 3);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* The parent's watch still works after the child's remove. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	wait_runs(&f, 1);
	fw_fd_watch_remove(w);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	int base = fw_test_fd_baseline();

	RUN(test_bad_args);
	RUN(test_fires_once);
	RUN(test_hup);
	RUN(test_remove_before_fire);
	RUN(test_remove_waits);
	RUN(test_auto_free_and_same_fd);
	RUN(test_many_add_remove);
	RUN(test_fork);
	fw_test_fd_check(base);
	return 0;
}
