/*
 * loop_impl.h - private: event-loop internals for tests and the benchmark.
 */
#ifndef FENCEWAY_LOOP_IMPL_H
#define FENCEWAY_LOOP_IMPL_H

#include <stdbool.h>

#include <fenceway/loop.h>

/*
 * fw_loop_create() without the io_uring path: other processes' signals
 * reach it through the helper threads and the eventfd only.  What the
 * benchmark measures side by side with the ring, and what tests use to
 * cover both paths in one process.
 */
struct fw_loop *fw_loop_create_without_ring(void);
/* True if @loop watches soft timelines with its own io_uring. */
bool fw_loop_uses_ring(const struct fw_loop *loop);

#endif
