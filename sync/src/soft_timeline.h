/*
 * soft_timeline.h - private: the soft timeline backend, for the rest of
 * the library (timeline.c, the sw_sync compat layer, soft sync files).
 *
 * A soft timeline is a sealed memfd holding one page (docs/soft-timeline-abi.md).
 * Within one process every soft timeline object is unique per inode: creating
 * one registers it, and importing an fd of an inode that is already known
 * returns the same object (a new reference), so all its points share one
 * fence context and merges keep one point per timeline.
 */
#ifndef FENCEWAY_SOFT_TIMELINE_H
#define FENCEWAY_SOFT_TIMELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/types.h>

#include <fenceway/timeline.h>

/* ---- the shared page: cross-process ABI, version 1 ---------------------- */

#define FW_SOFT_PAGE_MAGIC 0x4c545746u /* "FWTL" in memory on little endian */
#define FW_SOFT_PAGE_VERSION 1u
#define FW_SOFT_PAGE_SIZE 4096u
#define FW_SOFT_NAME_LEN 32u
/* Seals an importer requires; F_SEAL_WRITE must NOT be set. */
#define FW_SOFT_REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
/* flags: the signal-time ring below is present (written by signallers). */
#define FW_SOFT_FLAG_SIGNAL_TIMES 0x1u
#define FW_SOFT_RING_SLOTS 32u

/*
 * One signal: the value a signaller set and when (CLOCK_MONOTONIC ns).
 * seq is 2 * ticket + 1 while being written, 2 * ticket + 2 once written.
 */
struct fw_soft_signal_slot {
	_Atomic uint32_t seq;
	uint32_t pad; /* 0 */
	_Atomic uint64_t value;
	_Atomic int64_t time_ns;
};

struct fw_soft_signal_ring {
	_Atomic uint32_t head; /* tickets taken, wrapping; slot = % SLOTS */
	uint32_t slots;	       /* FW_SOFT_RING_SLOTS */
	struct fw_soft_signal_slot slot[FW_SOFT_RING_SLOTS];
};

struct fw_soft_page {
	uint32_t magic;		/* FW_SOFT_PAGE_MAGIC */
	uint32_t version;	/* FW_SOFT_PAGE_VERSION */
	uint32_t size;		/* FW_SOFT_PAGE_SIZE: the memfd's size */
	uint32_t flags;		/* FW_SOFT_FLAG_*; unknown bits ignored */
	_Atomic uint64_t value; /* the counter: only ever raised (CAS max) */
	_Atomic uint32_t wake;	/* futex word: bumped + woken on any change */
	_Atomic int32_t error;	/* 0, or the sticky negative errno */
	char name[FW_SOFT_NAME_LEN]; /* NUL-padded, informational */
	/* offset 64: with FW_SOFT_FLAG_SIGNAL_TIMES, else zero */
	struct fw_soft_signal_ring ring;
	/* zero up to FW_SOFT_PAGE_SIZE */
};
_Static_assert(sizeof(struct fw_soft_signal_slot) == 24, "slot layout");
_Static_assert(offsetof(struct fw_soft_page, ring) == 64, "ring offset");
_Static_assert(sizeof(struct fw_soft_page) == 64 + 8 + 24 * 32, "page layout");

/*
 * When the signal-time ring of @page says @point was reached (CLOCK_MONOTONIC
 * ns), or 0 if the ring is absent or cannot tell.  A peer's claim: bounded
 * work and no crash whatever the page holds, but the time itself may be
 * anything positive.
 */
int64_t fw_soft_page_signal_time(const struct fw_soft_page *page,
				 uint64_t point);

/* ---- constructors (timeline.c) ----------------------------------------- */

/* A new soft timeline (fresh sealed memfd); 0 and *out, or -errno. */
int fw_soft_timeline_create(const char *name, struct fw_timeline **out);
/*
 * Import soft timeline memfd @fd (borrowed: the timeline keeps its own dup,
 * the caller still closes @fd).  Returns the already-known object for the
 * same inode if there is one.  -EBADF, -EINVAL (not a memfd, wrong size,
 * magic or version, write-sealed), -EPERM (seals missing), -EACCES (not
 * opened read-write; checked before the inode lookup).
 */
int fw_soft_timeline_import(int fd, struct fw_timeline **out);

/* ---- for the sw_sync compat layer and soft sync files ------------------- */

/*
 * True if @fd (borrowed) is an fd that fw_soft_timeline_import() would
 * accept: a sealed memfd of the right size with our magic and version.
 * Maps nothing, keeps nothing; errno is preserved.
 */
bool fw_soft_timeline_fd_is_soft(int fd);

/*
 * The timeline object this process already has for @fd's inode (a new
 * reference), or NULL (errno ENOENT if unknown, EBADF/EINVAL for bad fds).
 * @fd is borrowed.  Never imports.
 */
struct fw_timeline *fw_soft_timeline_lookup_fd(int fd);

/* True if @tl is a soft timeline (not a DRM syncobj). */
bool fw_timeline_is_soft(const struct fw_timeline *tl);

/* Device and inode of the memfd behind soft timeline @tl; 0 or -EINVAL. */
int fw_soft_timeline_inode(const struct fw_timeline *tl, dev_t *dev,
			   ino_t *ino);

/*
 * Atomically add @count to the counter (saturating at UINT64_MAX), then
 * signal as fw_timeline_signal() does.  What sw_sync_timeline_inc() needs:
 * two threads incrementing by 1 each move the counter by 2.  If @new_value
 * is not NULL it receives the value this call set.  0 or -EINVAL.
 */
int fw_soft_timeline_advance(struct fw_timeline *tl, uint64_t count,
			     uint64_t *new_value);

/*
 * Fail, with @error (a negative errno, e.g. -ENOENT), every pending point
 * fence that this process holds on the soft timeline whose inode is that of
 * @fd (borrowed).  The shared page is not touched: other processes' fences
 * and later points are unaffected.  For sw_sync_timeline_destroy().
 * Returns the number of fences failed, or -errno (-EBADF, -EINVAL).
 * An fd of a timeline this process never imported fails nothing (returns 0).
 */
int fw_soft_timeline_fail_local_by_fd(int fd, int error);

/* Same for an object. */
int fw_soft_timeline_fail_local(struct fw_timeline *tl, int error);

/* ---- for tests ------------------------------------------------------------ */

/*
 * Start the library's long-lived helper threads (and their fds) now, so an
 * fd-leak check can take its baseline after them.  0 or -errno.
 */
int fw_sync_debug_start_threads(void);
/*
 * Wait (up to @timeout_ns) until no fallback waiter thread is running and
 * no helper thread is in the middle of signalling (both hold timeline
 * references, so a timeline released by the application may be freed, and
 * its memfd closed, on one of them a moment later).  0 or -ETIME.
 */
int fw_sync_debug_quiesce(int64_t timeout_ns);

#endif
