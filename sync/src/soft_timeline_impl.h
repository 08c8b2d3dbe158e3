/*
 * soft_timeline_impl.h - private to the soft backend: the timeline object
 * (soft_timeline.c) and the threads that watch other processes' signals
 * (soft_watch.c).
 *
 * Locking order: registry lock -> timeline lock -> watch lock.  Fence locks
 * are never taken with any of these held, and no callback ever runs with
 * one held.
 */
#ifndef FENCEWAY_SOFT_TIMELINE_IMPL_H
#define FENCEWAY_SOFT_TIMELINE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "fence_impl.h"
#include "soft_timeline.h"
#include "timeline_impl.h"

struct soft_helper;
struct soft_point;

struct soft_timeline {
	struct fw_timeline base;
	int fd;			   /* owned: our dup of the memfd */
	struct fw_soft_page *page; /* owned mapping, FW_SOFT_PAGE_SIZE */
	dev_t dev;
	ino_t ino;

	pthread_mutex_t lock; /* guards the heap, inflight, fb_running */
	/*
	 * Batches of popped points being signalled right now, by any thread;
	 * a local signal waits for other threads' batches (inflight_cond) so
	 * that every fence <= its point has signalled when it returns.
	 */
	int inflight;
	pthread_cond_t inflight_cond;
	/*
	 * This process's pending point fences, a min-heap on the point: a
	 * signal pops only what it reached, whatever else is waiting.  Weak
	 * pointers: a point fence removes itself when freed.
	 */
	struct soft_point **heap;
	size_t heap_len, heap_cap;
	/* Points in the heap whose signaling was enabled (tl lock). */
	size_t heap_watched;
	/* Mirrors of the heap for the lock-free checks of the watchers. */
	atomic_size_t npending;
	atomic_size_t nwatched;
	_Atomic uint64_t min_point;

	/* Watchers (soft_watch.c). */
	/*
	 * The futex_waitv helper watching it.  Written under the watch lock;
	 * read without it on the fast path of soft_watch_add().
	 */
	_Atomic(struct soft_helper *) helper;
	/*
	 * Threads of this process signalling it right now (between raising
	 * the value and processing their own fences).  Watchers leave the
	 * timeline to them instead of racing them for the same points.
	 */
	atomic_int local_signalling;
	/*
	 * Event-loop waits (loop.c) with a futex request on the wake word in
	 * their loop's io_uring: their dispatch processes the timeline, so a
	 * helper that sees it due leaves it to them for a grace period: from
	 * ring_defer_since on (0: not deferred), while the lowest pending
	 * point stays ring_defer_point.  Watch lock.
	 */
	atomic_int ring_waits;
	int64_t ring_defer_since;
	uint64_t ring_defer_point;
	bool fb_running; /* fallback thread alive; tl lock */

	/* The per-process registry of soft timelines; registry lock. */
	struct soft_timeline *reg_prev, *reg_next;
};

/*
 * Signal (or fail) this process's fences that the page says are done.
 * The caller holds a reference on @tl and no lock.  For the watcher
 * threads: never waits for other threads.
 */
void soft_timeline_process(struct soft_timeline *tl);
/*
 * The timeline of soft point fence @fence (borrowed: the fence holds it),
 * or NULL if @fence is not a soft timeline point.
 */
struct soft_timeline *soft_point_timeline(struct fw_fence *fence);
/* Lock-free: does the page show something this process must signal? */
bool soft_timeline_due(struct soft_timeline *tl);
/* For watchers: due, and no local signaller is about to handle it. */
bool soft_timeline_due_for_watcher(struct soft_timeline *tl);
/* The page's sticky error, clamped to a sane negative errno, or 0. */
int soft_timeline_page_error(const struct fw_soft_page *page);
/* Take a reference only if @tl is not being destroyed. */
bool soft_timeline_get_unless_zero(struct soft_timeline *tl);

/* ---- soft_watch.c ---- */

/* Latch the wait mode (first call decides: env, switch, probe). */
bool soft_watch_fallback(void);
/*
 * @tl has pending points somebody waits for (nwatched): make sure
 * something watches its wake word.
 */
void soft_watch_add(struct soft_timeline *tl);
/* @tl's last watched point just left the heap. */
void soft_watch_emptied(struct soft_timeline *tl);
/*
 * A loop stopped covering @tl (ring_waits fell) while it was due: make its
 * helper look again now rather than at the end of its grace period.
 */
void soft_watch_recheck(struct soft_timeline *tl);
/* @tl is being destroyed: stop watching it (synchronous). */
void soft_watch_remove(struct soft_timeline *tl);
/* Fork handlers, called with the registry and timeline locks held. */
void soft_watch_atfork_prepare(void);
void soft_watch_atfork_parent(void);
void soft_watch_atfork_child(void);
int soft_watch_start(void);
/* How long a helper thread that watches nothing lives on (for tests). */
void soft_watch_set_helper_idle(int64_t ns);
int soft_watch_quiesce(int64_t timeout_ns);

#endif
