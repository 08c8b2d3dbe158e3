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

/* Run a test function, printing its name. */
#define RUN(fn)                                                            \
	do {                                                               \
		fprintf(stderr, "== %s\n", #fn);                           \
		fn();                                                      \
	} while (0)

#endif
