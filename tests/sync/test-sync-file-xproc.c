/*
 * test-sync-file-xproc.c - soft sync files between processes: a child
 * signals a timeline the parent waits on; a sync file passed over
 * SCM_RIGHTS (and signalled by its producer's own library thread while
 * that process sits blocked); a producer killed with SIGKILL; a forked
 * child that must not keep producer ends alive; fw_sync_file_import of
 * signalled, pending and non-sync-file fds.
 *
 * The producers are this program run again (fw_test_spawn_role(),
 * tests/sync/testlib.h says why not a plain fork()).
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

/* The most arguments child_start() gives a child, its role included. */
#define MAX_ARGS 16

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

/* ---- the children's side ------------------------------------------------ */

/*
 * Role "producer": argv is TIMELINE SOCKET STEP...  TIMELINE is an
 * inherited timeline fd, or -1 for one of its own; SOCKET is its end of
 * the socket to the test.  The steps, in order:
 *   NAME@POINT  make a sync file for POINT of the timeline
 *   send        send the files made and not sent yet, in order
 *   again       send the last file sent once more
 *   drop        close the files made so far (the library keeps their
 *               producer ends until they signal)
 *   +N          advance the timeline by N
 *   wait        block until the test writes a byte or goes away
 *   forever     block until killed
 * Exit status 0 once every step has been done.
 */
static int producer_main(int argc, char **argv)
{
	int tl, sock, files[8], nfiles = 0, nsent = 0;

	if (argc < 2)
		return 10;
	tl = atoi(argv[0]);
	sock = atoi(argv[1]);
	if (tl < 0)
		tl = sw_sync_timeline_create();
	if (tl < 0)
		return 11;
	for (int i = 2; i < argc; i++) {
		const char *step = argv[i], *at = strchr(step, '@');

		if (at) {
			char name[32];

			snprintf(name, sizeof(name), "%.*s", (int)(at - step),
				 step);
			if (nfiles == 8)
				return 12;
			files[nfiles] =
				sw_sync_fence_create(tl, name, atoi(at + 1));
			if (files[nfiles++] < 0)
				return 12;
		} else if (strcmp(step, "send") == 0) {
			while (nsent < nfiles)
				ft_send_fd(sock, files[nsent++]);
		} else if (strcmp(step, "again") == 0 && nsent > 0) {
			ft_send_fd(sock, files[nsent - 1]);
		} else if (strcmp(step, "drop") == 0) {
			while (nfiles > 0)
				close(files[--nfiles]);
			nsent = 0;
		} else if (step[0] == '+') {
			if (sw_sync_timeline_inc(tl, atoi(step + 1)) != 0)
				return 13;
		} else if (strcmp(step, "wait") == 0) {
			wait_byte(sock);
		} else if (strcmp(step, "forever") == 0) {
			for (;;)
				pause();
		} else {
			return 14;
		}
	}
	return 0;
}

/*
 * Role "orphan": argv is GATE SOCKET.  Make a sync file on a timeline of
 * its own, send it, fork a child that lives until GATE (a pipe's read end)
 * gives a byte or EOF, and exit without signalling.
 *
 * This fork() is the behaviour under test, so it stays a fork(): of this
 * fresh process, whose only other threads are the library's own, and the
 * child runs nothing but the library's fork handlers, read() and _exit().
 */
static int orphan_main(int argc, char **argv)
{
	int gate, sock, tl, f;
	pid_t grandchild;

	if (argc != 2)
		return 10;
	gate = atoi(argv[0]);
	sock = atoi(argv[1]);
	tl = sw_sync_timeline_create();
	f = sw_sync_fence_create(tl, "orphan", 1);
	if (f < 0)
		return 12;
	ft_send_fd(sock, f);
	close(f);
	grandchild = fork();
	if (grandchild == 0) {
		wait_byte(gate);
		_exit(0);
	}
	return grandchild > 0 ? 0 : 1;
}

static const struct fw_test_role roles[] = {
	{"producer", producer_main},
	{"orphan", orphan_main},
	{NULL, NULL},
};

/* ---- the test's side ---------------------------------------------------- */

/* A child started by child_start() and our end of the socket to it. */
struct child {
	pid_t pid;
	int sock;
};

/*
 * Start a child in @role ("producer" or "orphan") with a new socket to it,
 * passing it @fd (-1: none) and @steps (NULL-terminated) as well.
 */
static struct child child_start(const char *role, int fd,
				const char *const *steps)
{
	char fd_arg[16], sock_arg[16];
	const char *args[MAX_ARGS] = { role, fd_arg, sock_arg };
	int n = 3, sv[2];
	struct child c;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	snprintf(fd_arg, sizeof(fd_arg), "%d", fd);
	snprintf(sock_arg, sizeof(sock_arg), "%d", sv[1]);
	for (; *steps; steps++) {
		CHECK(n < MAX_ARGS - 1);
		args[n++] = *steps;
	}
	args[n] = NULL;
	c.pid = fw_test_spawn_role(args, (int[]){sv[1], fd}, fd >= 0 ? 2 : 1);
	/* We keep only our end: each side sees EOF if the other dies. */
	close(sv[1]);
	c.sock = sv[0];
	return c;
}

/* The steps of a producer child (producer_main()). */
#define STEPS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_child_signals_parent_waits(void)
{
	int tl = sw_sync_timeline_create();
	int fence = sw_sync_fence_create(tl, "parent", 3);
	struct child c;

	CHECK(fence >= 0);
	/* The inherited timeline fd is all the child needs. */
	c = child_start("producer", tl, STEPS("+3"));
	/* Our library's own thread sees the child's increment. */
	CHECK(sync_wait(fence, LIVENESS_MS) > 0);
	CHECK(sync_fence_count_with_status(fence, 1) == 1);
	CHECK(ft_child_ok(c.pid));
	close(c.sock);
	sw_sync_fence_destroy(fence);
	sw_sync_timeline_destroy(tl);
}

static void count_signalled(struct fw_wait *w, struct fw_fence *f, void *data)
{
	CHECK(fw_fence_get_status(f) == FW_FENCE_SIGNALED);
	(*(int *)data)++;
}

/*
 * The child makes a fence at point 5 of the shared timeline, sends us its
 * sync file and closes its own fd, then blocks in read().  We advance the
 * timeline: the child's library signals its own fence on its own thread.
 */
static void test_scm_rights_foreign_file(void)
{
	int tl = sw_sync_timeline_create();
	int fd, merged, own;
	struct sync_file_info *info;
	struct sync_fence_info *pts;
	struct fw_fence *proxy;
	struct fw_loop *loop;
	int fired = 0;
	struct child c;

	c = child_start("producer", tl,
			STEPS("from-child@5", "send", "drop", "wait"));
	fd = ft_recv_fd(c.sock);
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

	put_byte(c.sock, 'x');
	CHECK(ft_child_ok(c.pid));
	fw_loop_destroy(loop);
	fw_fence_put(proxy);
	close(merged);
	close(own);
	close(fd);
	close(c.sock);
	sw_sync_timeline_destroy(tl);
}

/* The producer dies with SIGKILL: its file signals -EPIPE, never hangs. */
static void test_producer_sigkill(void)
{
	struct child c = child_start("producer", -1,
				     STEPS("doomed@1", "send", "forever"));
	struct fw_fence *proxy;
	struct sync_file_info *info;
	int fd;

	fd = ft_recv_fd(c.sock);
	CHECK(fd >= 0 && fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	proxy = fw_sync_file_get_fence(fd);
	CHECK(proxy && !fw_fence_is_signaled(proxy));
	CHECK(sync_wait(fd, 0) == 0);

	CHECK(kill(c.pid, SIGKILL) == 0);
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
	waitpid(c.pid, NULL, 0);
	fw_fence_put(proxy);
	close(fd);
	close(c.sock);
}

/*
 * fork() must not keep producer ends alive: a child (which may live long,
 * e.g. a spawned helper) closes the ends it inherited, so the receivers
 * see EOF when the producer process goes, not when the child does.
 */
static void test_fork_drops_producer_ends(void)
{
	int fd, gate[2];
	struct child producer;

	/*
	 * In a direct child: no producer end survives the fork.  The fork of
	 * this multi-threaded process is what is tested, so it stays.  The
	 * child neither allocates nor starts a thread: it runs the library's
	 * fork handlers (which free memory), takes the registry lock they
	 * have just released, calls getsockname() on its fds and _exit()s.
	 * Earlier tests' waiter threads are gone before we fork (quiesce): a
	 * thread exiting at the fork could hold an allocator lock the
	 * handlers then wait for.
	 */
	CHECK(fw_sync_debug_quiesce(30LL * 1000000000) == 0);
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
	CHECK(pipe2(gate, O_CLOEXEC) == 0);
	producer = child_start("orphan", gate[0], STEPS(NULL));
	close(gate[0]);
	fd = ft_recv_fd(producer.sock);
	CHECK(fd >= 0);
	CHECK(ft_child_ok(producer.pid));
	CHECK(sync_wait(fd, LIVENESS_MS) > 0);
	CHECK(sync_fence_count_with_status(fd, -1) == 1);
	close(gate[1]); /* let the grandchild go */
	close(fd);
	close(producer.sock);
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
	struct child c = child_start("producer", tl,
				     STEPS("slow@1", "send", "again", "wait"));
	int base = ft_fd_baseline();
	struct fw_fence *proxy;
	struct fw_fence_cb *cb;
	int fd, again;

	fd = ft_recv_fd(c.sock);
	again = ft_recv_fd(c.sock);
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
	put_byte(c.sock, 'x');
	CHECK(ft_child_ok(c.pid));
	ft_check_no_leak(base);
	close(c.sock);
	sw_sync_timeline_destroy(tl);
}

/*
 * fw_sync_file_import: the kind and the fence in one call, taking the fd.
 * A file that has signalled gives a fence signalled at return, and its fd
 * is closed; a pending one keeps the fd it was given (no dup) until its
 * last reference goes, and signals when its producer does.  Anything else:
 * kind NONE, the errno, and the fd closed too (EBADF: nothing to close).
 */
static void test_import_one_look(void)
{
	int tl = sw_sync_timeline_create();
	struct child c = child_start("producer", tl,
				     STEPS("done@1", "later@2", "+1", "send",
					   "wait", "+1", "wait"));
	int base = ft_fd_baseline();
	int done, pending, pipefd[2], other, n;
	enum fw_sync_file_kind kind = FW_SYNC_FILE_SOFT;
	struct fw_fence *fence, *held;

	done = ft_recv_fd(c.sock);
	pending = ft_recv_fd(c.sock);
	CHECK(done >= 0 && pending >= 0);
	CHECK(sync_wait(done, LIVENESS_MS) > 0);
	n = fw_test_count_fds();

	fence = fw_sync_file_import(done, &kind);
	CHECK(fence && kind == FW_SYNC_FILE_SOFT);
	CHECK(fw_fence_is_signaled(fence));
	CHECK(fw_fence_get_status(fence) == FW_FENCE_SIGNALED);
	CHECK(fw_fence_timestamp(fence) > 0);
	CHECK(fw_test_count_fds() == n - 1); /* closed: nothing kept */
	fw_fence_put(fence);

	kind = FW_SYNC_FILE_NONE;
	held = fw_sync_file_import(pending, &kind);
	CHECK(held && kind == FW_SYNC_FILE_SOFT && !fw_fence_is_signaled(held));
	CHECK(fw_test_count_fds() == n - 1); /* kept, not duplicated */
	put_byte(c.sock, 'x');
	CHECK(fw_fence_wait(held, (int64_t)LIVENESS_MS * 1000000) == 0);
	CHECK(fw_fence_get_status(held) == FW_FENCE_SIGNALED);
	fw_fence_put(held);
	/* The fd thread may drop the last reference: the fd goes then. */
	for (int i = 0; i < LIVENESS_MS && fw_test_count_fds() != n - 2; i++)
		ft_sleep_ms(1);
	CHECK(fw_test_count_fds() == n - 2);

	/* Not sync files: kind NONE, EINVAL, closed; a closed fd: EBADF. */
	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	kind = FW_SYNC_FILE_SOFT;
	errno = 0;
	CHECK(!fw_sync_file_import(pipefd[0], &kind));
	CHECK(errno == EINVAL && kind == FW_SYNC_FILE_NONE);
	CHECK(fcntl(pipefd[0], F_GETFD) < 0 && errno == EBADF);
	other = fcntl(c.sock, F_DUPFD_CLOEXEC, 0);
	CHECK(other >= 0);
	errno = 0;
	CHECK(!fw_sync_file_import(other, NULL) && errno == EINVAL);
	CHECK(fcntl(other, F_GETFD) < 0);
	close(pipefd[1]);
	kind = FW_SYNC_FILE_SOFT;
	errno = 0;
	CHECK(!fw_sync_file_import(pipefd[1], &kind));
	CHECK(errno == EBADF && kind == FW_SYNC_FILE_NONE);
	CHECK(fw_test_count_fds() == n - 2);

	put_byte(c.sock, 'x');
	CHECK(ft_child_ok(c.pid));
	ft_check_no_leak(base);
	close(c.sock);
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

int main(int argc, char **argv)
{
	fw_test_run_role(argc, argv, roles);
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
