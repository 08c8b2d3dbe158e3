/*
 * fence_impl.h - private: what a fence backend implements.
 *
 * Like dma_fence_ops: a backend embeds struct fw_fence in its own struct,
 * initialises it with fw_fence_init(), and signals it with fw_fence_signal()
 * from whatever thread learns the outcome.  What a backend must guarantee
 * (finite signalling, which thread runs callbacks, the lock order) is
 * written once, in docs/fence-backends.md.
 */
#ifndef FENCEWAY_FENCE_IMPL_H
#define FENCEWAY_FENCE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include <fenceway/fence.h>

struct fw_fence_ops {
	/* "fenceway-soft", "fenceway-kernel", ... (static string). */
	const char *driver_name;
	/*
	 * The fence stands for a sync file another process or the kernel
	 * made: traced as imported (FW_TRACE_FENCE_IMPORTED), not created.
	 */
	bool imported;
	/*
	 * Optional.  Called once, with no lock held, the first time somebody
	 * needs to learn of the signal (a callback or a wait was added), so a
	 * backend can start watching lazily (arm an fd watch, register with a
	 * timeline).  The backend signals the fence when it knows the outcome,
	 * possibly from inside this call.
	 */
	void (*enable_signaling)(struct fw_fence *fence);
	/*
	 * Optional.  Asked by status queries (fw_fence_get_status and what
	 * uses it) while the fence is pending, with no lock held, so a query
	 * reports the truth before the backend got round to signalling:
	 * returns FW_FENCE_PENDING, or the status it has in fact reached (1 or
	 * a negative errno).  Unlike dma_fence_ops.signaled, the core only
	 * latches that outcome (status, time, waiters woken, new callbacks
	 * refused) and runs no callbacks: callers may query with their own
	 * locks held.  A backend that implements it must still call
	 * fw_fence_signal() later for every registered callback to run.
	 * Must not block.
	 */
	int (*signaled)(struct fw_fence *fence);
	/*
	 * Optional, for backends that learn the outcome from an fd: that fd
	 * (borrowed, open while the fence lives), which polls readable once
	 * the outcome can be read; -1 if there is none to poll.  An event
	 * loop polls it itself instead of enabling signaling, so that the
	 * signal reaches its thread with one wake-up (loop.c).
	 */
	int (*poll_fd)(struct fw_fence *fence);
	/*
	 * With poll_fd: called with no lock held, in the polling thread,
	 * once poll_fd polled readable; reads the outcome and signals the
	 * fence.  Must not block.
	 */
	void (*poll_settle)(struct fw_fence *fence);
	/*
	 * Optional.  When the producer says the fence signalled (CLOCK_MONOTONIC
	 * ns), or 0 if it does not say.  Asked once, with no lock held, when
	 * the core latches a successful signal; must not block.  The answer
	 * is the producer's claim, untrusted: the core clamps it to at most
	 * the time this process saw the signal and decides nothing on it.
	 */
	int64_t (*producer_time)(struct fw_fence *fence);
	/*
	 * Optional.  A new kernel sync_file fd for this fence, or a negative
	 * errno (-EOPNOTSUPP for soft fences).  Lets fw_sync_file_create() and
	 * merges hand kernel fences to KMS/EGL as kernel objects.
	 */
	int (*export_kernel_sync_file)(struct fw_fence *fence);
	/*
	 * Optional.  Free the backend's struct when the last reference goes.
	 * By then the core has already dropped the merge points, freed
	 * timeline_name and destroyed the lock and condvar; only ops,
	 * context, seqno and status may still be read.  Without it the core
	 * free()s the fence (fine when the fence was malloc'd on its own).
	 */
	void (*release)(struct fw_fence *fence);
};

struct fw_fence {
	const struct fw_fence_ops *ops;
	atomic_int refcount;
	pthread_mutex_t lock; /* guards the fields below */
	int status;	      /* FW_FENCE_PENDING, _SIGNALED or -errno */
	int64_t timestamp_ns; /* when this process saw the signal */
	int64_t producer_ns;  /* the producer's claim, clamped; or 0 */
	bool signaling_enabled;
	struct fw_fence_cb *callbacks; /* pending callbacks */
	pthread_cond_t
		signaled_cond; /* for fw_fence_wait and remove_callback */
	int running_callbacks; /* 1 while fw_fence_signal runs callbacks */
	bool callbacks_owed;   /* status latched by a query (ops->signaled);
					  the backend's signal still runs them */
	pthread_t signaling_thread; /* the thread doing so (valid while 1) */
	uint64_t context;
	uint64_t seqno;
	char *timeline_name;
	_Atomic uint64_t trace_id; /* 0 until its first trace event */
	/* merge fences only: the kept points (each a reference) */
	struct fw_fence **points;
	size_t num_points;
};

/*
 * Initialise an embedded fence with one reference.  @timeline_name is
 * copied.  0 or -ENOMEM.
 */
int fw_fence_init(struct fw_fence *fence, const struct fw_fence_ops *ops,
		  uint64_t context, uint64_t seqno, const char *timeline_name);

/*
 * Take a reference only if the fence is still alive (refcount > 0); for
 * backends that keep weak pointers to their fences (a timeline's list of
 * pending points).  Returns false if the fence is being freed.
 */
bool fw_fence_get_unless_zero(struct fw_fence *fence);

/*
 * The caller of fw_fence_signal() must hold a reference to the fence for
 * the duration of the call: callbacks may drop the others.
 */

/*
 * fw_fence_add_callback() without enabling signaling: for a waiter that
 * watches the backend's poll_fd itself and calls poll_settle, so nothing
 * else needs to watch.  A waiter that cannot keep watching calls
 * fw_fence_enable_signaling() (no lock held: the backend may signal from
 * inside it).
 */
int fw_fence_add_callback_quiet(struct fw_fence *fence, struct fw_fence_cb *cb,
				fw_fence_func_t func);
void fw_fence_enable_signaling(struct fw_fence *fence);

/*
 * True on the library's own threads (futex helpers, fallback waiters, the
 * fd-watch thread).  They never block waiting for application threads, so
 * an application thread may wait for them without risk of a cycle.
 */
extern __thread bool fw_library_thread;

/*
 * fw_fence_signal() with the time of the signal given (CLOCK_MONOTONIC ns;
 * <= 0 means now).  For backends that learn of a signal after the fact
 * from someone who recorded when it happened (soft sync files from another
 * process carry the producer's timestamp).  Same returns as
 * fw_fence_signal(); waiters never see a timestamp other than this one.
 */
int fw_fence_signal_timestamp(struct fw_fence *fence, int status,
			      int64_t timestamp_ns);

/*
 * When @fence signalled, as the kernel reports it for its own fences
 * (sync_fence_info.timestamp_ns): the producer's time where it says (a soft
 * timeline's signal-time ring), else when this process saw the signal; 0
 * while pending.
 */
int64_t fw_fence_signal_time(struct fw_fence *fence);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t fw_now_ns(void);

#endif
