/*
 * futex.h - private: thin wrappers around the futex syscalls.
 *
 * Soft timeline wake words live in shared memory, so they use the shared
 * (non-PRIVATE) futex ops; words private to this process use _PRIVATE.
 */
#ifndef FENCEWAY_FUTEX_H
#define FENCEWAY_FUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

/* Wake every waiter of @word (shared or private). */
static inline void fw_futex_wake(_Atomic uint32_t *word, bool shared)
{
	syscall(SYS_futex, word, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE,
		INT32_MAX, NULL, NULL, 0);
}

/*
 * Sleep while *@word == @expected, until the CLOCK_MONOTONIC deadline
 * @abs (NULL: forever).  0 when woken (or the word had changed: -EAGAIN is
 * folded into 0), -ETIMEDOUT, -EINTR.
 */
static inline int fw_futex_wait(_Atomic uint32_t *word, uint32_t expected,
				const struct timespec *abs, bool shared)
{
	int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);

	if (syscall(SYS_futex, word, op, expected, abs, NULL,
		    FUTEX_BITSET_MATCH_ANY) == 0)
		return 0;
	return errno == EAGAIN ? 0 : -errno;
}

/*
 * Sleep until one of @waiters' words is woken (returns its index) or, with
 * @abs not NULL, until that CLOCK_MONOTONIC deadline (-1, errno ETIMEDOUT).
 */
static inline long fw_futex_waitv(struct futex_waitv *waiters,
				  unsigned int count,
				  const struct timespec *abs)
{
	return syscall(SYS_futex_waitv, waiters, count, 0, abs,
		       CLOCK_MONOTONIC);
}

#endif
