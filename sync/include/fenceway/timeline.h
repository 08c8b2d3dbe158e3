/*
 * fenceway/timeline.h - timelines: 64-bit counters whose points signal.
 *
 * A point v of a timeline is signalled once the counter is >= v; the counter
 * only goes up, so signalled is sticky.  A timeline put in error (its sticky
 * error field) fails every pending and future point with that error: that is
 * how a client reports a failed "GPU" job.
 *
 * Two backends sit behind this one type:
 *  - soft: a sealed shared-memory page (docs/soft-timeline-abi.md) that any
 *    process holding the fd can read and advance; works everywhere.
 *  - kernel: a DRM syncobj timeline on a DRM device (fenceway/drm_syncobj.h).
 *
 * Ownership: fw_timeline_* constructors return a reference the caller drops
 * with fw_timeline_put().  Fences returned are new references.
 */
#ifndef FENCEWAY_TIMELINE_H
#define FENCEWAY_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <fenceway/fence.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fw_timeline;

enum fw_backend {
	FW_BACKEND_SOFT = 1,
	FW_BACKEND_KERNEL = 2,
};

/*
 * A new soft timeline at value 0.  @name (copied, may be NULL) is what
 * sync_file_info reports as obj_name.  0 and *out set, or a negative errno.
 */
int fw_timeline_create(const char *name, struct fw_timeline **out);

/*
 * Import a soft timeline from @fd (a sealed memfd made by any process with
 * this library, or by anyone following docs/soft-timeline-abi.md).  @fd is
 * borrowed: the timeline keeps its own dup, the caller still closes @fd.
 * Refuses anything else with -EINVAL (not a memfd / wrong magic or version),
 * -EPERM (seals missing: the peer could shrink it under us), -EBADF, and an
 * fd not opened read-write with -EACCES, also when this process already has
 * that timeline (the same object is returned only for a read-write fd).
 */
int fw_timeline_import(int fd, struct fw_timeline **out);

struct fw_timeline *fw_timeline_get(struct fw_timeline *tl);
void fw_timeline_put(struct fw_timeline *tl);

enum fw_backend fw_timeline_backend(const struct fw_timeline *tl);
/* Borrowed, valid as long as @tl. */
const char *fw_timeline_name(const struct fw_timeline *tl);

/*
 * A new fd for the timeline (CLOEXEC) that the caller owns: for a soft
 * timeline the memfd, for a kernel one a syncobj fd.  Negative errno on error.
 */
int fw_timeline_export_fd(struct fw_timeline *tl);

/*
 * Advance the counter to at least @point (it never goes down: a lower value
 * is ignored and returns 0).  Before returning, signals the fences this
 * process holds on points <= @point, and their callbacks have run (also
 * those a library thread happened to be running at that moment); other
 * processes' fences are signalled by their own library threads.
 * Don't call it from a fence callback of the same timeline while another
 * application thread does the same: each would wait for the other.
 * 0 or a negative errno.
 */
int fw_timeline_signal(struct fw_timeline *tl, uint64_t point);

/*
 * Put the timeline in error (@error a negative errno; sticky, first error
 * wins).  Pending and future points fail with it.
 */
int fw_timeline_set_error(struct fw_timeline *tl, int error);

/* Current counter value into *value; 0, or a negative errno. */
int fw_timeline_query(struct fw_timeline *tl, uint64_t *value);
/* The sticky error, or 0. */
int fw_timeline_get_error(struct fw_timeline *tl);

/*
 * A fence for @point: signals (status 1) once the counter reaches it, or
 * fails with the timeline's error.  Fences of one timeline share a context
 * (seqno = point), so merging two of them keeps the later one.  Costs no fd.
 * NULL with errno on failure.
 */
struct fw_fence *fw_timeline_point_fence(struct fw_timeline *tl,
					 uint64_t point);

/*
 * Block until @point is reached or the timeline fails, or @timeout_ns passes
 * (< 0: forever).  0 when reached, the timeline's error if it failed, -ETIME.
 */
int fw_timeline_wait(struct fw_timeline *tl, uint64_t point,
		     int64_t timeout_ns);

/*
 * Waiting strategy for soft timelines.  By default a helper thread bridges
 * futexes with futex_waitv (Linux >= 5.16); the fallback uses plain
 * FUTEX_WAIT (needed under valgrind, which lacks futex_waitv).  The fallback
 * is also forced by the environment variable FENCEWAY_SYNC_FORCE_FALLBACK=1.
 * Call before any timeline exists; returns 0 or -EBUSY.
 */
int fw_sync_force_fallback(bool force);
/* True if the fallback wait path is in use. */
bool fw_sync_using_fallback(void);

#ifdef __cplusplus
}
#endif
#endif
