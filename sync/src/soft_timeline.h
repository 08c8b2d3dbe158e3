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
#include <stdint.h>
#include <fcntl.h>
#include <sys/types.h>

#include <fenceway/timeline.h>

/* ---- the shared page: cross-process ABI, version 1 ---------------------- */

#define FW_SOFT_PAGE_MAGIC   0x4c545746u /* "FWTL" in memory on little endian */
#define FW_SOFT_PAGE_VERSION 1u
#define FW_SOFT_PAGE_SIZE    4096u
#define FW_SOFT_NAME_LEN     32u
/* Seals an importer requires; F_SEAL_WRITE must NOT be set. */
#define FW_SOFT_REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

struct fw_soft_page {
	uint32_t magic;            /* FW_SOFT_PAGE_MAGIC */
	uint32_t version;          /* FW_SOFT_PAGE_VERSION */
	uint32_t size;             /* FW_SOFT_PAGE_SIZE: the memfd's size */
	uint32_t flags;            /* 0; reserved */
	_Atomic uint64_t value;    /* the counter: only ever raised (CAS max) */
	_Atomic uint32_t wake;     /* futex word: bumped + woken on any change */
	_Atomic int32_t error;     /* 0, or the sticky negative errno */
	char name[FW_SOFT_NAME_LEN]; /* NUL-padded, informational */
	/* zero up to FW_SOFT_PAGE_SIZE */
};

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
int fw_soft_timeline_inode(const struct fw_timeline *tl, dev_t *dev, ino_t *ino);

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
