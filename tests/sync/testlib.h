/*
 * testlib.h - small helpers for the sync/ tests.
 *
 * fd-leak checks: the library keeps a few long-lived fds and threads of its
 * own (the fd-watch epoll fd, futex helper threads).  fw_test_fd_baseline()
 * starts them first and then counts /proc/self/fd, so a later
 * fw_test_fd_check() sees only what the test itself leaked.  In fallback
 * mode per-timeline waiter threads exit asynchronously (they hold the
 * timeline, and so its memfd): fw_test_fd_check() waits for them first.
 */
#ifndef FW_TESTLIB_H
#define FW_TESTLIB_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* errno is printed too: most checks test a call that sets it. */
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			int _e = errno;                                    \
			fprintf(stderr, "%s:%d: %s: CHECK failed: %s "     \
				"(errno %d %s)\n", __FILE__, __LINE__,     \
				__func__, #cond, _e, strerror(_e));        \
			abort();                                           \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long _a = (long long)(a), _b = (long long)(b);        \
		if (_a != _b) {                                            \
			fprintf(stderr, "%s:%d: %s: %s == %lld, want %s == %lld\n", \
				__FILE__, __LINE__, __func__, #a, _a, #b, _b); \
			abort();                                           \
		}                                                          \
	} while (0)

/* Number of open fds of this process. */
int fw_test_count_fds(void);
/* Start the library's threads/fds, then return the fd count. */
int fw_test_fd_baseline(void);
/* Abort unless the fd count (after quiescing) equals @baseline. */
void fw_test_fd_check(int baseline);

/* The threads of this process but the main one, and their context
 * switches (voluntary and not; -1 for a thread that exited meanwhile). */
struct fw_test_tasks {
	int n;
	long tid[4096];
	long long switches[4096];
};
void fw_test_tasks_read(struct fw_test_tasks *t);
/* Switches between two reads, summed over the threads present in both. */
long long fw_test_tasks_woken(const struct fw_test_tasks *before,
			      const struct fw_test_tasks *after);

/*
 * Child processes that run library code: this test program, started again.
 *
 * Why not a plain fork(): a child forked from a process with the library's
 * threads inherits every lock another thread held at fork() -- the
 * library's own and the sanitizer allocator's (Debian 12's libasan does not
 * take those around fork) -- and can freeze for good as soon as it
 * allocates or starts a thread.  A fresh process holds none
 * (docs/testing.md).  A fork() that is itself the behaviour under test
 * stays a fork().
 *
 * fw_test_spawn_role() starts the test binary (the path
 * readlink("/proc/self/exe") gives) in role @args[0] with @args[1...] as
 * its arguments; @args is NULL-terminated and stays the caller's.  Between
 * _Fork() and execv() the child only clears FD_CLOEXEC on @fds and
 * execs: async-signal-safe calls, and no pthread_atfork handler runs (the
 * library's free memory).  @fds (@nfds of them) are open in the child at
 * the same numbers, so @args may name them; the caller keeps its own
 * copies and closes them itself, the child owns the copies it got.  Any
 * other close-on-exec fd of the caller (the library's own are) is not
 * inherited.  The environment passes through.  Returns the pid: the
 * caller reaps it (waitpid()); a child that could not start exits 126 or
 * 127.
 *
 * fw_test_run_role() comes first in main(): if argv names a role (as
 * fw_test_spawn_role() passes it), it runs that entry of @roles (ended by
 * a NULL name) with the role's own arguments and _exit()s with what it
 * returns (127: no such role); nothing of the tests runs in the child.
 * Otherwise it returns.
 */
struct fw_test_role {
	const char *name;
	int (*run)(int argc, char **argv);
};
void fw_test_run_role(int argc, char **argv, const struct fw_test_role *roles);
pid_t fw_test_spawn_role(const char *const *args, const int *fds, int nfds);

/* Run a test function, printing its name. */
#define RUN(fn)                                                            \
	do {                                                               \
		fprintf(stderr, "== %s\n", #fn);                           \
		fn();                                                      \
	} while (0)

#endif
