/*
 * uring.h - private: the smallest io_uring the event loop needs.
 *
 * Raw io_uring_setup/io_uring_enter and the mmap'd rings; no liburing.  The
 * loop uses a ring for one thing: IORING_OP_FUTEX_WAIT on soft timelines'
 * wake words, so that a peer's FUTEX_WAKE posts a completion and the ring's
 * fd becomes readable with no thread of ours in between
 * (docs/soft-timeline-abi.md, "How fenceway waits").
 *
 * It also polls the fds of imported sync files (IORING_OP_POLL_ADD), so a
 * producer's signal reaches the loop the same way.
 *
 * Not thread-safe: the caller serialises every call on one ring.
 */
#ifndef FENCEWAY_URING_H
#define FENCEWAY_URING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_uring_sqe;
struct io_uring_cqe;

struct fw_uring {
	int fd; /* owned; -1 when not set up */
	/* submission ring */
	void *sq_map;
	size_t sq_map_len;
	_Atomic uint32_t *sq_head, *sq_tail, *sq_flags;
	uint32_t *sq_array, sq_mask, sq_entries;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	/* completion ring (may share sq_map) */
	void *cq_map;
	size_t cq_map_len;
	_Atomic uint32_t *cq_head, *cq_tail;
	struct io_uring_cqe *cqes;
	uint32_t cq_mask;
	uint32_t pending; /* SQEs filled, not yet submitted */
};

/*
 * Set up a ring whose kernel supports IORING_OP_FUTEX_WAIT (Linux >= 6.7).
 * 0, or a negative errno: -ENOSYS/-EPERM where io_uring is missing or
 * disabled, -EOPNOTSUPP where the opcode is; @r is then unusable.
 */
int fw_uring_init(struct fw_uring *r, uint32_t cq_entries);
/* Unmap and close (in-flight requests are cancelled by the kernel). */
void fw_uring_fini(struct fw_uring *r);

/*
 * Queue a wait on the SHARED 32-bit futex @word while it holds @expected
 * (completion: 0 woken, -EAGAIN value differed, -ECANCELED), or a cancel
 * of the request whose user_data is @target.  Queued only: fw_uring_submit()
 * hands them to the kernel.  0, or -EBUSY if the submission ring is full.
 */
int fw_uring_futex_wait(struct fw_uring *r, _Atomic uint32_t *word,
			uint32_t expected, uint64_t user_data);
int fw_uring_cancel(struct fw_uring *r, uint64_t target, uint64_t user_data);
/*
 * Queue a one-shot poll of @fd (borrowed: open until the completion) for
 * @events (POLLIN, ...): completion res is the ready mask, or -ECANCELED.
 * 0, or -EBUSY if the submission ring is full.
 */
int fw_uring_poll(struct fw_uring *r, int fd, uint32_t events,
		  uint64_t user_data);
/* Submit what is queued.  0 or a negative errno (nothing was lost: retry). */
int fw_uring_submit(struct fw_uring *r);

/*
 * Take the next completion: true and its user_data/res, or false if the
 * completion ring is empty (after flushing any the kernel held back in an
 * overflow list).
 */
bool fw_uring_reap(struct fw_uring *r, uint64_t *user_data, int32_t *res);

#endif
