/*
 * fenceway/fence.h - fences: one-shot signals with a status and a time.
 *
 * Modelled on the kernel's dma_fence.  A fence starts pending and signals
 * exactly once, either successfully or with an error (a negative errno); the
 * CLOCK_MONOTONIC time of the change is recorded.  Fences are refcounted and
 * may be used from any thread.  Every fence belongs to a (context, seqno)
 * pair: fences of one context are ordered by seqno, which is what lets a
 * merge keep a single point per timeline.
 *
 * Ownership, as in the kernel: a function that returns a struct fw_fence *
 * returns a reference the caller owns and drops with fw_fence_put().
 * Functions that take a fence borrow it unless their comment says otherwise.
 */
#ifndef FENCEWAY_FENCE_H
#define FENCEWAY_FENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fw_fence;
struct fw_fence_cb;

/* Status values of fw_fence_get_status(); errors are negative errnos. */
enum {
	FW_FENCE_PENDING = 0,
	FW_FENCE_SIGNALED = 1,
};

typedef void (*fw_fence_func_t)(struct fw_fence *fence, struct fw_fence_cb *cb);

/*
 * Callback storage, embedded in the caller's own struct (like
 * dma_fence_cb): registering a callback never allocates.
 */
struct fw_fence_cb {
	fw_fence_func_t func;
	/* private to the library: */
	struct fw_fence_cb *next;
	struct fw_fence_cb **pprev;
};

/* Reserve @num consecutive fresh contexts; returns the first. Thread-safe. */
uint64_t fw_fence_context_alloc(unsigned int num);

/*
 * A plain fence that its creator signals with fw_fence_signal().
 * @timeline_name is copied (may be NULL).  Returns a new reference, or NULL
 * with errno set (ENOMEM).
 */
struct fw_fence *fw_fence_create(uint64_t context, uint64_t seqno,
				 const char *timeline_name);

/* Take a reference; returns @fence (NULL passes through). */
struct fw_fence *fw_fence_get(struct fw_fence *fence);
/* Drop a reference; the last one frees the fence (NULL is a no-op). */
void fw_fence_put(struct fw_fence *fence);

/*
 * Signal @fence with @status: 0 for success or a negative errno.  Runs the
 * registered callbacks in the calling thread, each exactly once, with no
 * library lock held.  Returns 0, or -EALREADY if it had already signalled
 * (the first status wins), -EINVAL for a positive @status.
 */
int fw_fence_signal(struct fw_fence *fence, int status);

/* FW_FENCE_PENDING, FW_FENCE_SIGNALED, or the negative errno it failed with. */
int fw_fence_get_status(struct fw_fence *fence);
/* True once signalled (successfully or not). */
bool fw_fence_is_signaled(struct fw_fence *fence);
/* CLOCK_MONOTONIC nanoseconds of the signal; 0 while pending. */
int64_t fw_fence_timestamp(struct fw_fence *fence);
/*
 * The two times of a signalled fence, CLOCK_MONOTONIC ns:
 *  - @observed_ns: when this process learnt of the signal (what
 *    fw_fence_timestamp() returns; for a sync file from another process,
 *    the time its producer put in the file);
 *  - @producer_ns: when the producer says it signalled (a soft timeline's
 *    signal-time ring, docs/soft-timeline-abi.md), or 0 where it does not
 *    say.  A claim of another process: never later than @observed_ns (it
 *    is clamped), and nothing in the library depends on it.
 * @observed_ns - @producer_ns is how long the news took to arrive.
 * Either pointer may be NULL.  Returns 0, or -EBUSY while pending (both
 * set to 0), -EINVAL for a NULL fence.
 */
int fw_fence_signal_times(struct fw_fence *fence, int64_t *producer_ns,
			  int64_t *observed_ns);

uint64_t fw_fence_context(const struct fw_fence *fence);
uint64_t fw_fence_seqno(const struct fw_fence *fence);
/* Borrowed strings, valid as long as the fence. */
const char *fw_fence_driver_name(const struct fw_fence *fence);
const char *fw_fence_timeline_name(const struct fw_fence *fence);

/*
 * Run @func once when @fence signals, in the signalling thread (which may be
 * a library thread: keep it short, never block, never wait on another
 * fence).  @cb is borrowed and must stay valid until @func has run or
 * fw_fence_remove_callback() returned true.
 * Returns 0, or -ENOENT if the fence had already signalled (@func is then
 * not called; the caller handles that case itself, as in the kernel).
 */
int fw_fence_add_callback(struct fw_fence *fence, struct fw_fence_cb *cb,
			  fw_fence_func_t func);
/*
 * Unregister @cb.  Returns true if it was removed before running; false if
 * it has run, or is running in another thread (the library returns only
 * after such a run has finished, so @cb may be freed once this returns).
 */
bool fw_fence_remove_callback(struct fw_fence *fence, struct fw_fence_cb *cb);

/*
 * Block until @fence signals or @timeout_ns passes (< 0: forever, 0: poll).
 * Returns 0 once signalled (read the status with fw_fence_get_status()),
 * -ETIME on timeout.
 */
int fw_fence_wait(struct fw_fence *fence, int64_t timeout_ns);

/*
 * A fence that signals once all of @fences have; with the first error if
 * any failed.  Keeps one point per context, the highest seqno; points that
 * already signalled successfully may be dropped.  Nested merges are
 * flattened.  If one point remains, returns a new reference to it; if none
 * remains (all signalled fine), returns an already-signalled fence.
 * The input fences are borrowed.  NULL with errno on failure (EINVAL for
 * count 0 or a NULL entry, ENOMEM).
 * Its status is always current (queries look at the parts).  Once somebody
 * waits on it (a callback or fw_fence_wait), it watches its parts and, like
 * the kernel's dma_fence_array, stays allocated until every part has
 * signalled, even if all references to it are dropped earlier; a merge
 * nobody waited on is freed with its last reference.
 */
struct fw_fence *fw_fence_merge(struct fw_fence *const *fences, size_t count);

/*
 * The points a fence stands for: 1 and the fence itself for a plain fence,
 * the kept parts for a merge.  fw_fence_point() returns a borrowed pointer
 * valid as long as @fence, or NULL past the end.
 */
size_t fw_fence_num_points(struct fw_fence *fence);
struct fw_fence *fw_fence_point(struct fw_fence *fence, size_t index);

#ifdef __cplusplus
}
#endif
#endif
