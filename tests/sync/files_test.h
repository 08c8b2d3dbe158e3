/*
 * files_test.h - small helpers for the sync-files tests (sync_file.c,
 * soft sync files, libsync.c), on top of the common ones in testlib.h.
 * Header-only so each test is one file.
 */
#ifndef FENCEWAY_FILES_TEST_H
#define FENCEWAY_FILES_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fd_watch.h"
#include "soft_sync_file.h"
#include "soft_timeline.h"
#include "testlib.h"     /* CHECK, RUN, fw_test_count_fds() */

static inline void ft_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait until the library has freed every producer end (teardown runs on its
 * fd thread, after the fact).  A liveness bound (30 s), not a timing
 * assertion.
 */
static inline void ft_quiesce(void)
{
	for (int i = 0; i < 30000 && fw_soft_sync_producer_count() != 0; i++)
		ft_sleep_ms(1);
	CHECK(fw_soft_sync_producer_count() == 0);
}

/* Start the library's long-lived threads/fds, then count fds. */
static inline int ft_fd_baseline(void)
{
	CHECK(fw_sync_debug_start_threads() == 0);
	CHECK(fw_fd_watch_start() == 0);
	ft_quiesce();
	CHECK(fw_sync_debug_quiesce(30LL * 1000000000) == 0);
	return fw_test_count_fds();
}

static inline void ft_check_no_leak(int baseline)
{
	int n = 0;

	/* Also wait for idle timelines (and their memfds) to be dropped. */
	ft_quiesce();
	CHECK(fw_sync_debug_quiesce(30LL * 1000000000) == 0);
	for (int i = 0; i < 3000 && (n = fw_test_count_fds()) != baseline; i++)
		ft_sleep_ms(1);
	if (n != baseline)
		fprintf(stderr, "fd count %d, baseline %d\n", n, baseline);
	CHECK(n == baseline);
}

/* Send @fd over unix socket @sock with SCM_RIGHTS (fd stays ours). */
static inline void ft_send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK(sendmsg(sock, &msg, MSG_NOSIGNAL) == 1);
}

/* Receive one fd (CLOEXEC, caller owns); -1 on EOF. */
static inline int ft_recv_fd(int sock)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * True if this process holds an fd bound to a soft sync file name (a
 * producer end).  No allocation: safe in a child forked from threads.
 */
static inline bool ft_has_producer_end(void)
{
	for (int fd = 0; fd < 4096; fd++) {
		struct sockaddr_un a;
		socklen_t len = sizeof(a);

		memset(&a, 0, sizeof(a));
		if (getsockname(fd, (struct sockaddr *)&a, &len) == 0 &&
		    a.sun_family == AF_UNIX && a.sun_path[0] == '\0' &&
		    len > offsetof(struct sockaddr_un, sun_path) +
			  strlen(FW_SOFT_SYNC_NAME_PREFIX) &&
		    memcmp(a.sun_path + 1, FW_SOFT_SYNC_NAME_PREFIX,
			   strlen(FW_SOFT_SYNC_NAME_PREFIX)) == 0)
			return true;
	}
	return false;
}

/* Wait for child @pid; true if it exited with status 0. */
static inline bool ft_child_ok(pid_t pid)
{
	int status;

	CHECK(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
