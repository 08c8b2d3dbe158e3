/*
 * clients/demo/junk.c - junk fds for the compositor's import checks.
 */
#include "junk.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

int demo_junk_fd(enum fwd_misbehave m)
{
	int fds[2], fd;

	switch (m) {
	case FWD_MISBEHAVE_JUNK_FD:
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0)
			perror("eventfd");
		return fd;
	case FWD_MISBEHAVE_JUNK_PIPE:
		if (pipe2(fds, O_CLOEXEC) < 0) {
			perror("pipe2");
			return -1;
		}
		close(fds[1]);
		return fds[0];
	case FWD_MISBEHAVE_JUNK_MEMFD: {
		/* A memfd without the seals an importer must insist on: the
		 * sender could shrink it under the importer's mapping. */
		fd = memfd_create("fenceway-junk-timeline", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			return -1;
		}
		char page[4096];
		memset(page, 0x5a, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
			perror("write junk memfd");
			close(fd);
			return -1;
		}
		return fd;
	}
	default:
		fprintf(stderr, "demo_junk_fd: not a junk mode\n");
		return -1;
	}
}
