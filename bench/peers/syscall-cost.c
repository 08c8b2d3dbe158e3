/*
 * bench/peers/syscall-cost.c - what this machine charges for a system
 * call, so the peer report can show the floor under a per-commit figure.
 * Not a test by itself.
 *
 * The explicit-sync paths are counted in system calls per commit by the
 * runner (bench/peers/README.md); this program prices them: the CPU time
 * of one null system call, and of one AF_UNIX socketpair's whole life
 * (create, close both ends), which is what a soft sync file costs the
 * kernel before any of its messages.  Thread CPU time, not wall time, so
 * a loaded machine does not inflate the figures.  Prints one line
 *   result mode=platform syscall_ns=N socketpair_ns=N
 * and exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define ROUNDS 5

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* getppid through syscall(): glibc caches nothing for it, so each call
 * enters the kernel and does next to nothing there. */
static int64_t null_syscall(unsigned n)
{
	int64_t t0 = cpu_ns();

	for (unsigned i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (cpu_ns() - t0) / n;
}

static int64_t socketpair_life(unsigned n)
{
	int64_t t0 = cpu_ns();

	for (unsigned i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
		    0) {
			fprintf(stderr, "socketpair: %s\n", strerror(errno));
			exit(2);
		}
		close(sv[0]);
		close(sv[1]);
	}
	return (cpu_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	/* --quick: a few iterations, for the smoke run. */
	unsigned scale = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 100 : 1;
	int64_t sys[ROUNDS], pair[ROUNDS];

	if (argc > 2 || (argc == 2 && scale == 1)) {
		fprintf(stderr, "usage: syscall-cost [--quick]\n");
		return 2;
	}
	/* Interleaved rounds, the median of each. */
	for (int r = 0; r < ROUNDS; r++) {
		sys[r] = null_syscall(100000 / scale);
		pair[r] = socketpair_life(10000 / scale);
	}
	qsort(sys, ROUNDS, sizeof(sys[0]), cmp_i64);
	qsort(pair, ROUNDS, sizeof(pair[0]), cmp_i64);
	printf("result mode=platform syscall_ns=%" PRId64
	       " socketpair_ns=%" PRId64 "\n",
	       sys[ROUNDS / 2], pair[ROUNDS / 2]);
	return 0;
}
