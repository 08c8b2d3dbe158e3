/*
 * test-sync-file-xproc.c - soft sync files between processes: a child
 * signals a timeline the parent waits on; a sync file passed over
 * SCM_RIGHTS (and signalled by its producer's own library thread while
 * that process sits blocked); a producer killed with SIGKILL; a forked
 * child that must not keep producer ends alive; fw_sync_file_import of
 * signalled, pending and non-sync-file fds.
 *
 * No test asserts a timing.  Waits that could hang if the behaviour broke
 * are bounded generously (a liveness bound) and fail the test.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/un.h>

#include <fenceway/libsync.h>
#include <fenceway/loop.h>
#include <fenceway/sync_file.h>
#include <fenceway/timeline.h>

#include "files_test.h"

#define LIVENESS_MS 30000

/* Block until a byte arrives on @fd (or EOF); returns it, -1 on EOF. */
static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

static void put_byte(int fd, char c)
{
	CHECK(write(fd, &c, 1) == 1);
}

static void test_child_signals_parent_waits(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "parent", 3);
	pid_t pid;

	CHECK(fence >= 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The inherited timeline fd is all the child needs. */
		_exit(sw_sync_timeline_inc(tl, 3) == 0 ? 0 : 1);
	}
	/* Our library's own thread sees the child's increment. */
	CHECK(sync_wait(fence, LIVENESS_MS) > 0);
	CHECK(sync_fence_count_with_status(fence, 1) == 1);
	CHECK(ft_child_ok(pid));
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

static void count_signalled(struct fw_wait *w, struct fw_fence *f, void *data)
{
	CHECK(fw_fence_get_status(f) == FW_FENCE_SIGNALED);
	(*(int *)data)++;
}

/*
 * The child makes a fence at point 5 of the shared timeline and sends us
 * its sync file, then blocks in read().  We advance the timeline: the
 * child's library signals its own fence on its own thread.
 */
static void test_scm_rights_foreign_file(void)
{
	int tl = sw_sync_timeline_create();
	int sv[2], fd, merged, own;
	struct sync_file_info *info;
	struct sync_fence_info *pts;
	struct fw_fence *proxy;
	struct fw_loop *loop;
	int fired = 0;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int f;

		close(sv[0]);
		f = sw_sync_fence_create(tl, "from-child", 5);
		if (f < 0)
			_exit(2);
		ft_send_fd(sv[1], f);
		close(f);
		/* Blocked: whatever we do, our library signals the file. */
		wait_byte(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	fd = ft_recv_fd(sv[0]);
	CHECK(fd >= 0);
	CHECK(fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	CHECK(sync_wait(fd, 0) == 0);

	/* From another process, until it signals: one active fence. */
	info = sync_file_info(fd);
	CHECK(info && info->status == 0 && info->num_fences == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK(pts[0].status == 0);
	CHECK(strcmp(pts[0].driver_name, "fenceway-soft") == 0);
	sync_file_info_free(info);

	/* A proxy fence, waited on through a loop too; and a mixed merge. */
	proxy = fw_sync_file_get_fence(fd);
	CHECK(proxy && !fw_fence_is_signaled(proxy));
	loop = fw_loop_create();
	CHECK(loop);
	own = sw_sync_fence_create(tl, "own", 5);
	merged = sync_merge("mixed", fd, own);
	CHECK(merged >= 0 && sync_fence_size(merged) == 2);
	CHECK(fw_loop_wait_fence(loop, proxy, count_signalled, &fired));

	CHECK(sw_sync_timeline_inc(tl, 5) == 0);
	CHECK(sync_wait(fd, LIVENESS_MS) > 0);
	CHECK(sync_wait(merged, LIVENESS_MS) > 0);
	CHECK(fw_fence_wait(proxy, (int64_t)LIVENESS_MS * 1000000) == 0);
	CHECK(fw_fence_get_status(proxy) == FW_FENCE_SIGNALED);

	/* After: what the producer's message says. */
	info = sync_file_info(fd);
	CHECK(info && info->status == 1 && info->num_fences == 1);
	CHECK(strcmp(info->name, "from-child") == 0);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK(pts[0].status == 1 && pts[0].timestamp_ns > 0);
	CHECK(strcmp(pts[0].driver_name, "fenceway-soft") == 0);
	{
		/* The timeline is named after the process that made it. */
		char comm[17] = "";

		prctl(PR_GET_NAME, comm, 0, 0, 0);
		CHECK(comm[0] && strcmp(pts[0].obj_name, comm) == 0);
	}
	/* The proxy reports the producer's time of signal. */
	CHECK((uint64_t)fw_fence_timestamp(proxy) == pts[0].timestamp_ns);
	sync_file_info_free(info);

	{
		struct pollfd p = { .fd = fw_loop_get_fd(loop), .events = POLLIN };

		while (!fired) {
			CHECK(poll(&p, 1, LIVENESS_MS) == 1);
			CHECK(fw_loop_dispatch(loop) >= 0);
		}
	}
	CHECK(fired == 1);

	put_byte(sv[0], 'x');
	CHECK(ft_child_ok(pid));
	fw_loop_destroy(loop);
	fw_fence_put(proxy);
	close(merged);
	close(own);
	close(fd);
	close(sv[0]);
	sw_sync_timeline_destroy(tl);
}

/* The producer dies with SIGKILL: its file signals -EPIPE, never hangs. */
static void test_producer_sigkill(void)
{
	int sv[2], fd;
	struct fw_fence *proxy;
	struct sync_file_info *info;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int tl = sw_sync_timeline_create();
		int f = sw_sync_fence_create(tl, "doomed", 1);

		close(sv[0]);
		ft_send_fd(sv[1], f);
		for (;;)
			pause();
	}
	close(sv[1]);
	fd = ft_recv_fd(sv[0]);
	CHECK(fd >= 0 && fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	proxy = fw_sync_file_get_fence(fd);
	CHECK(proxy && !fw_fence_is_signaled(proxy));
	CHECK(sync_wait(fd, 0) == 0);

	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(sync_wait(fd, LIVENESS_MS) > 0);
	CHECK(fw_fence_wait(proxy, (int64_t)LIVENESS_MS * 1000000) == 0);
	CHECK(fw_fence_get_status(proxy) == -EPIPE);
	CHECK(sync_fence_count_with_status(fd, -1) == 1);
	info = sync_file_info(fd);
	CHECK(info && info->status == -EPIPE && info->num_fences == 1);
	CHECK(((struct sync_fence_info *)(uintptr_t)info->sync_fence_info)[0]
		      .status == -EPIPE);
	sync_file_info_free(info);
	/* A file imported after the death signals at once. */
	{
		struct fw_fence *late = fw_sync_file_get_fence(fd);

		CHECK(late && fw_fence_get_status(late) == -EPIPE);
		fw_fence_put(late);
	}
	waitpid(pid, NULL, 0);
	fw_fence_put(proxy);
	close(fd);
	close(sv[0]);
}

/*
 * fork() must not keep producer ends alive: a child (which may live long,
 * e.g. a spawned helper) closes the ends it inherited, so the receivers
 * see EOF when the producer process goes, not when the child does.
 */
static void test_fork_drops_producer_ends(void)
{
	int sv[2], fd, gate[2];
	pid_t producer;

	/* In a direct child: no producer end survives the fork. */
	{
		int tl = sw_sync_timeline_create();
		int f = sw_sync_fence_create(tl, "mine", 1);
		pid_t pid;

		CHECK(ft_has_producer_end());
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(ft_has_producer_end() ||
			      fw_soft_sync_producer_count() != 0);
		CHECK(ft_child_ok(pid));
		/* And ours is untouched: it still signals properly. */
		CHECK(sync_wait(f, 0) == 0);
		CHECK(sw_sync_timeline_inc(tl, 1) == 0);
		CHECK(sync_wait(f, 0) > 0);
		CHECK(sync_fence_count_with_status(f, 1) == 1);
		sw_sync_fence_destroy(f);
		sw_sync_timeline_destroy(tl);
	}

	/*
	 * End to end: a producer forks a long-lived child, then exits
	 * without signalling.  Our file must report -EPIPE while the
	 * grandchild still lives.
	 */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(pipe2(gate, O_CLOEXEC) == 0);
	producer = fork();
	CHECK(producer >= 0);
	if (producer == 0) {
		int tl = sw_sync_timeline_create();
		int f = sw_sync_fence_create(tl, "orphan", 1);
		pid_t grandchild;

		close(sv[0]);
		ft_send_fd(sv[1], f);
		close(f);
		grandchild = fork();
		if (grandchild == 0) {
			/* Lives until the test closes the gate. */
			close(gate[1]);
			wait_byte(gate[0]);
			_exit(0);
		}
		_exit(grandchild > 0 ? 0 : 1);
	}
	close(sv[1]);
	close(gate[0]);
	fd = ft_recv_fd(sv[0]);
	CHECK(fd >= 0);
	CHECK(ft_child_ok(producer));
	CHECK(sync_wait(fd, LIVENESS_MS) > 0);
	CHECK(sync_fence_count_with_status(fd, -1) == 1);
	close(gate[1]); /* let the grandchild go */
	close(fd);
	close(sv[0]);
}

static void put_in_callback(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	/* We were given the last outside reference: drop it right here. */
	fw_fence_put(fence);
	free(cb);
}

/*
 * Proxies live as long as somebody holds them, not as long as their
 * producer: one that is dropped while its producer sits on it for ever
 * costs nothing afterwards (its dup is closed, its watch gone).  And one
 * whose last reference goes inside its own signal is freed cleanly.
 */
static void test_proxy_lifetime(void)
{
	int tl = sw_sync_timeline_create();
	int base, sv[2], fd, again;
	struct fw_fence *proxy;
	struct fw_fence_cb *cb;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	base = ft_fd_baseline();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int f = sw_sync_fence_create(tl, "slow", 1);

		/* Only the parent's end: EOF if it dies, so we never linger. */
		close(sv[0]);
		ft_send_fd(sv[1], f);
		ft_send_fd(sv[1], f);
		wait_byte(sv[1]);
		_exit(0);
	}
	fd = ft_recv_fd(sv[0]);
	again = ft_recv_fd(sv[0]);
	CHECK(fd >= 0 && again >= 0);

	/* Dropped while pending: nothing stays behind. */
	for (int i = 0; i < 100; i++) {
		proxy = fw_sync_file_get_fence(fd);
		CHECK(proxy && !fw_fence_is_signaled(proxy));
		fw_fence_put(proxy);
	}
	close(fd);
	CHECK(fw_test_count_fds() == base + 1); /* @again only */

	/* The last reference dropped from inside the signal. */
	proxy = fw_sync_file_get_fence(again);
	cb = calloc(1, sizeof(*cb));
	CHECK(fw_fence_add_callback(proxy, cb, put_in_callback) == 0);
	proxy = NULL; /* the callback owns it now */
	CHECK(sw_sync_timeline_inc(tl, 1) == 0);
	CHECK(sync_wait(again, LIVENESS_MS) > 0);
	close(again);
	put_byte(sv[0], 'x');
	CHECK(ft_child_ok(pid));
	ft_check_no_leak(base);
	close(sv[0]);
	close(sv[1]);
	sw_sync_timeline_destroy(tl);
}

/*
 * fw_sync_file_import: the kind and the fence in one call.  A file that
 * has signalled gives a fence signalled at return that keeps no fd; a
 * pending one keeps one dup until its last reference goes, and signals
 * when its producer does.  Anything else: kind NONE and the errno.
 */
static void test_import_one_look(void)
{
	int tl = sw_sync_timeline_create();
	int base, sv[2], done, pending, pipefd[2], n;
	enum fw_sync_file_kind kind = FW_SYNC_FILE_SOFT;
	struct fw_fence *fence, *held;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	base = ft_fd_baseline();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int a = sw_sync_fence_create(tl, "done", 1);
		int b = sw_sync_fence_create(tl, "later", 2);

		/* Only the parent's end: EOF if it dies, so we never linger. */
		close(sv[0]);
		CHECK(sw_sync_timeline_inc(tl, 1) == 0);
		ft_send_fd(sv[1], a);
		ft_send_fd(sv[1], b);
		wait_byte(sv[1]);
		CHECK(sw_sync_timeline_inc(tl, 1) == 0);
		wait_byte(sv[1]);
		_exit(0);
	}
	done = ft_recv_fd(sv[0]);
	pending = ft_recv_fd(sv[0]);
	CHECK(done >= 0 && pending >= 0);
	CHECK(sync_wait(done, LIVENESS_MS) > 0);
	n = fw_test_count_fds();

	fence = fw_sync_file_import(done, &kind);
	CHECK(fence && kind == FW_SYNC_FILE_SOFT);
	CHECK(fw_fence_is_signaled(fence));
	CHECK(fw_fence_get_status(fence) == FW_FENCE_SIGNALED);
	CHECK(fw_fence_timestamp(fence) > 0);
	CHECK(fw_test_count_fds() == n); /* nothing kept */
	fw_fence_put(fence);

	kind = FW_SYNC_FILE_NONE;
	held = fw_sync_file_import(pending, &kind);
	CHECK(held && kind == FW_SYNC_FILE_SOFT && !fw_fence_is_signaled(held));
	CHECK(fw_test_count_fds() == n + 1); /* its own dup */
	close(pending);
	put_byte(sv[0], 'x');
	CHECK(fw_fence_wait(held, (int64_t)LIVENESS_MS * 1000000) == 0);
	CHECK(fw_fence_get_status(held) == FW_FENCE_SIGNALED);
	fw_fence_put(held);
	/* The fd thread may drop the last reference: the dup goes then. */
	for (int i = 0; i < LIVENESS_MS && fw_test_count_fds() != n - 1; i++)
		ft_sleep_ms(1);
	CHECK(fw_test_count_fds() == n - 1);

	/* Not sync files: kind NONE, EINVAL; a closed fd: EBADF. */
	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	kind = FW_SYNC_FILE_SOFT;
	errno = 0;
	CHECK(!fw_sync_file_import(pipefd[0], &kind));
	CHECK(errno == EINVAL && kind == FW_SYNC_FILE_NONE);
	errno = 0;
	CHECK(!fw_sync_file_import(sv[0], NULL) && errno == EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);
	kind = FW_SYNC_FILE_SOFT;
	errno = 0;
	CHECK(!fw_sync_file_import(pipefd[0], &kind));
	CHECK(errno == EBADF && kind == FW_SYNC_FILE_NONE);

	close(done);
	put_byte(sv[0], 'x');
	CHECK(ft_child_ok(pid));
	ft_check_no_leak(base);
	close(sv[0]);
	close(sv[1]);
	sw_sync_timeline_destroy(tl);
}

static void test_fd_ownership(void)
{
	int base = ft_fd_baseline();

	test_child_signals_parent_waits();
	test_scm_rights_foreign_file();
	test_producer_sigkill();
	test_fork_drops_producer_ends();
	ft_check_no_leak(base);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(test_child_signals_parent_waits);
	RUN(test_scm_rights_foreign_file);
	RUN(test_producer_sigkill);
	RUN(test_fork_drops_producer_ends);
	RUN(test_proxy_lifetime);
	RUN(test_import_one_look);
	RUN(test_fd_ownership);
	return 0;
}
