/*
 * trace_impl.h - private: the fence core's trace points (fenceway/trace.h).
 *
 * fw_trace() is what the core calls at each point of a fence's life.  It
 * is inline so that, with tracing off, a trace point costs the load and
 * the branch below and nothing else; the recording itself is out of line.
 */
#ifndef FENCEWAY_TRACE_IMPL_H
#define FENCEWAY_TRACE_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <fenceway/trace.h>

struct fw_fence;

extern atomic_bool fw_trace_on;

/*
 * Record one event of @type for @fence in this thread's ring.  @arg is the
 * status for FW_TRACE_FENCE_SIGNALED, the enum fw_trace_wait for
 * FW_TRACE_WAIT_STARTED, unused otherwise.  Reads the fence's fields
 * without its lock: the caller holds the lock, or the fields it reads are
 * not changing (creation, destruction).
 */
void fw_trace_record(uint32_t type, struct fw_fence *fence, int32_t arg);

static inline void fw_trace(uint32_t type, struct fw_fence *fence, int32_t arg)
{
	if (__builtin_expect(
		    atomic_load_explicit(&fw_trace_on, memory_order_relaxed),
		    0))
		fw_trace_record(type, fence, arg);
}

#endif
