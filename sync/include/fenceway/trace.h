/*
 * fenceway/trace.h - a record of every fence's life in this process.
 *
 * While tracing is on, the fence core records fixed-size events: a fence
 * created (or imported from a sync file), somebody started waiting on it,
 * it signalled (status, time), it was destroyed.  Each thread that records
 * writes into its own preallocated ring, so recording takes no lock and
 * never allocates after the ring exists; while tracing is off, recording
 * costs one predictable branch.  A full ring drops new events and counts
 * them (fw_trace_drain() reports the count) rather than blocking or
 * overwriting what was not read yet.
 *
 * Ownership: the library owns the rings; they live until the process
 * exits (a ring of a thread that ended is freed by the first drain that
 * finds it empty).  fw_trace_drain() copies events into the caller's array.
 *
 * Threads: every function here may be called from any thread.  Drains are
 * serialised by the library (one drain at a time; a second waits).  Events
 * are recorded by whichever thread acts on the fence, library threads
 * included.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the clock of kernel fence
 * timestamps, DRM events and trace-cmd -C mono.
 */
#ifndef FENCEWAY_TRACE_H
#define FENCEWAY_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fw_trace_type {
	/* A fence was made in this process (a timeline point, a merge...). */
	FW_TRACE_FENCE_CREATED = 1,
	/* A fence that stands for a sync file made elsewhere. */
	FW_TRACE_FENCE_IMPORTED = 2,
	/* Somebody started waiting: see fw_trace_event.wait. */
	FW_TRACE_WAIT_STARTED = 3,
	/* The fence's outcome became known: status, signal_ns, producer_ns. */
	FW_TRACE_FENCE_SIGNALED = 4,
	/* The last reference was dropped. */
	FW_TRACE_FENCE_DESTROYED = 5,
};

enum fw_trace_wait {
	FW_TRACE_WAIT_CALLBACK =
		1, /* fw_fence_add_callback (event loops too) */
	FW_TRACE_WAIT_BLOCKING = 2, /* fw_fence_wait with a non-zero timeout */
};

#define FW_TRACE_NAME_LEN 32

struct fw_trace_event {
	uint64_t seq;	   /* order of recording in the process, from 1 */
	int64_t time_ns;   /* when it was recorded */
	uint64_t fence_id; /* the fence, unique in the process, from 1 */
	uint64_t context;  /* fw_fence_context() */
	uint64_t seqno;	   /* fw_fence_seqno(): the timeline point */
	/* FENCE_SIGNALED: fw_fence_signal_times(); else 0. */
	int64_t signal_ns;
	int64_t producer_ns;
	/*
	 * fw_fence_driver_name() (the backend): a static string, valid while
	 * the library is loaded.
	 */
	const char *driver;
	uint32_t type;	/* enum fw_trace_type */
	uint32_t tid;	/* the recording thread (gettid) */
	int32_t status; /* FENCE_SIGNALED: 1 or a negative errno */
	uint32_t wait;	/* WAIT_STARTED: enum fw_trace_wait */
	/* CREATED, IMPORTED: fw_fence_timeline_name(), cut to fit; else "". */
	char timeline[FW_TRACE_NAME_LEN];
};

/*
 * Turn tracing on.  @events_per_thread (rounded up to a power of two, at
 * least 2) sizes the rings made from now on; the calling thread's ring is
 * made now, other threads' at their first event.  Rings made earlier keep
 * their size and their unread events.  0, -EINVAL for 0, -ENOMEM.
 */
int fw_trace_enable(size_t events_per_thread);
/* Turn tracing off.  Recorded events stay to be drained. */
void fw_trace_disable(void);
bool fw_trace_enabled(void);

/*
 * Move up to @max recorded events, oldest first (ordered by seq across
 * threads), into @out (the caller's array).  Returns how many.  If
 * @dropped is not NULL it receives the number of events lost to full
 * rings since the previous drain.
 */
size_t fw_trace_drain(struct fw_trace_event *out, size_t max,
		      uint64_t *dropped);

/* "created", "imported", "wait", "signaled", "destroyed"; "?" otherwise. */
const char *fw_trace_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif
#endif
