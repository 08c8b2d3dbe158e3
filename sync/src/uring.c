/*
 * uring.c - the loop's io_uring: setup, futex waits, polls, completions.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

/*
 * Newer than Debian 12's <linux/io_uring.h> and <linux/futex.h>, so defined
 * here with their values from the kernel ABI (include/uapi/linux/io_uring.h
 * and include/uapi/linux/futex.h of Linux 6.7, where they appeared):
 *   IORING_OP_FUTEX_WAIT 51: addr = futex, addr2 = expected value,
 *     addr3 = bitset mask, fd = futex2 flags, len/futex_flags 0.
 *   FUTEX2_SIZE_U32 0x02: a 32-bit word; no FUTEX2_PRIVATE (128): the
 *     word is in a MAP_SHARED page other processes wake.
 */
#define FW_IORING_OP_FUTEX_WAIT 51
#define FW_FUTEX2_SIZE_U32 0x02u
#define FW_FUTEX_BITSET_MATCH_ANY 0xffffffffu

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif

/* We submit at once, so a few submission slots are plenty. */
#define SQ_ENTRIES 32

static bool futex_wait_supported(int fd)
{
	size_t len = sizeof(struct io_uring_probe) +
		     256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, len);
	bool ok;

	if (!p)
		return false;
	ok = syscall(SYS_io_uring_register, fd, IORING_REGISTER_PROBE, p,
		     256) == 0 &&
	     p->last_op >= FW_IORING_OP_FUTEX_WAIT &&
	     p->ops_len > FW_IORING_OP_FUTEX_WAIT &&
	     (p->ops[FW_IORING_OP_FUTEX_WAIT].flags & IO_URING_OP_SUPPORTED);
	free(p);
	return ok;
}

int fw_uring_init(struct fw_uring *r, uint32_t cq_entries)
{
	struct io_uring_params p;
	int fd, err;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = cq_entries;
	fd = syscall(SYS_io_uring_setup, SQ_ENTRIES, &p);
	if (fd < 0)
		return -errno;
	r->fd = fd;
	/* Without NODROP a burst beyond the ring would lose completions. */
	if (!(p.features & IORING_FEAT_NODROP) || !futex_wait_supported(fd)) {
		err = -EOPNOTSUPP;
		goto fail;
	}

	r->sq_map_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	r->cq_map_len =
		p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_map_len > r->sq_map_len)
			r->sq_map_len = r->cq_map_len;
		r->cq_map_len = r->sq_map_len;
	}
	r->sq_map = mmap(NULL, r->sq_map_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED) {
		r->sq_map = NULL;
		err = -errno;
		goto fail;
	}
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		r->cq_map = r->sq_map;
	} else {
		r->cq_map =
			mmap(NULL, r->cq_map_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (r->cq_map == MAP_FAILED) {
			r->cq_map = NULL;
			err = -errno;
			goto fail;
		}
	}
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED) {
		r->sqes = NULL;
		err = -errno;
		goto fail;
	}

	r->sq_head = (void *)((char *)r->sq_map + p.sq_off.head);
	r->sq_tail = (void *)((char *)r->sq_map + p.sq_off.tail);
	r->sq_flags = (void *)((char *)r->sq_map + p.sq_off.flags);
	r->sq_mask = *(uint32_t *)((char *)r->sq_map + p.sq_off.ring_mask);
	r->sq_entries = p.sq_entries;
	r->sq_array = (void *)((char *)r->sq_map + p.sq_off.array);
	r->cq_head = (void *)((char *)r->cq_map + p.cq_off.head);
	r->cq_tail = (void *)((char *)r->cq_map + p.cq_off.tail);
	r->cq_mask = *(uint32_t *)((char *)r->cq_map + p.cq_off.ring_mask);
	r->cqes = (void *)((char *)r->cq_map + p.cq_off.cqes);
	return 0;

fail:
	fw_uring_fini(r);
	return err;
}

void fw_uring_fini(struct fw_uring *r)
{
	if (r->sqes)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_map_len);
	if (r->sq_map)
		munmap(r->sq_map, r->sq_map_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * The next free SQE, zeroed, or NULL if the ring is full even after
 * submitting what is queued.
 */
static struct io_uring_sqe *sqe_get(struct fw_uring *r)
{
	uint32_t tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(r->sq_head, memory_order_acquire);
	struct io_uring_sqe *sqe;

	if (tail - head >= r->sq_entries) {
		if (fw_uring_submit(r) < 0)
			return NULL;
		head = atomic_load_explicit(r->sq_head, memory_order_acquire);
		if (tail - head >= r->sq_entries)
			return NULL;
	}
	sqe = &r->sqes[tail & r->sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	r->sq_array[tail & r->sq_mask] = tail & r->sq_mask;
	return sqe;
}

static void sqe_push(struct fw_uring *r)
{
	uint32_t tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);

	/* The kernel reads the SQE only after it sees the new tail. */
	atomic_store_explicit(r->sq_tail, tail + 1, memory_order_release);
	r->pending++;
}

int fw_uring_futex_wait(struct fw_uring *r, _Atomic uint32_t *word,
			uint32_t expected, uint64_t user_data)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	if (!sqe)
		return -EBUSY;
	sqe->opcode = FW_IORING_OP_FUTEX_WAIT;
	sqe->fd = FW_FUTEX2_SIZE_U32;
	sqe->addr = (uintptr_t)word;
	sqe->off = expected;
	sqe->addr3 = FW_FUTEX_BITSET_MATCH_ANY;
	sqe->user_data = user_data;
	sqe_push(r);
	return 0;
}

int fw_uring_poll(struct fw_uring *r, int fd, uint32_t events,
		  uint64_t user_data)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	if (!sqe)
		return -EBUSY;
	/* One-shot: completes once with the ready mask (res > 0). */
	sqe->opcode = IORING_OP_POLL_ADD;
	sqe->fd = fd;
	sqe->poll32_events = events;
	sqe->user_data = user_data;
	sqe_push(r);
	return 0;
}

int fw_uring_cancel(struct fw_uring *r, uint64_t target, uint64_t user_data)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	if (!sqe)
		return -EBUSY;
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->fd = -1;
	sqe->addr = target;
	sqe->user_data = user_data;
	sqe_push(r);
	return 0;
}

int fw_uring_submit(struct fw_uring *r)
{
	while (r->pending) {
		long n = syscall(SYS_io_uring_enter, r->fd, r->pending, 0, 0,
				 NULL, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r->pending -= n;
		if (n == 0)
			return -EAGAIN;
	}
	return 0;
}

bool fw_uring_reap(struct fw_uring *r, uint64_t *user_data, int32_t *res)
{
	uint32_t head = atomic_load_explicit(r->cq_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(r->cq_tail, memory_order_acquire);
	struct io_uring_cqe *cqe;

	if (head == tail) {
		/* Completions the ring had no room for wait in the kernel. */
		if (!(atomic_load(r->sq_flags) & IORING_SQ_CQ_OVERFLOW))
			return false;
		syscall(SYS_io_uring_enter, r->fd, 0, 0, IORING_ENTER_GETEVENTS,
			NULL, 0);
		tail = atomic_load_explicit(r->cq_tail, memory_order_acquire);
		if (head == tail)
			return false;
	}
	cqe = &r->cqes[head & r->cq_mask];
	*user_data = cqe->user_data;
	*res = cqe->res;
	atomic_store_explicit(r->cq_head, head + 1, memory_order_release);
	return true;
}
