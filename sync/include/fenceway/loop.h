/*
 * fenceway/loop.h - waiting for fences from an event loop.
 *
 * The libwayland/libinput pattern: one pollable fd plus a dispatch call.
 * Add fw_loop_get_fd() to your loop (wl_event_loop_add_fd, poll, epoll);
 * when it is readable, call fw_loop_dispatch(), which runs the callbacks of
 * the waits whose fences signalled, in the calling thread.  Nothing wakes
 * while nothing signals.
 */
#ifndef FENCEWAY_LOOP_H
#define FENCEWAY_LOOP_H

#include <stdint.h>

#include <fenceway/fence.h>
#include <fenceway/timeline.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fw_loop;
struct fw_wait;

/*
 * Called once from fw_loop_dispatch() after @fence signalled; read the
 * outcome with fw_fence_get_status(@fence).  @fence is borrowed for the call.
 * The wait is freed when the callback returns; don't cancel it from inside.
 */
typedef void (*fw_wait_func_t)(struct fw_wait *wait, struct fw_fence *fence,
			       void *data);

/* NULL with errno on failure.  Owned by the caller, freed with destroy. */
struct fw_loop *fw_loop_create(void);
/* Cancels every outstanding wait (their callbacks never run), frees @loop. */
void fw_loop_destroy(struct fw_loop *loop);

/* The loop's fd (borrowed; readable while dispatch has work). */
int fw_loop_get_fd(struct fw_loop *loop);
/*
 * Run ready callbacks; returns how many ran, or a negative errno.  A
 * callback may add waits (they run on a later dispatch) and cancel other
 * waits; it must not cancel its own wait or destroy the loop.
 */
int fw_loop_dispatch(struct fw_loop *loop);

/*
 * Wait for @fence (the wait takes its own reference).  @func runs from a
 * later fw_loop_dispatch(), never from inside this call, even if @fence has
 * already signalled.  Returns the wait (owned by the loop), NULL with errno.
 */
struct fw_wait *fw_loop_wait_fence(struct fw_loop *loop, struct fw_fence *fence,
				   fw_wait_func_t func, void *data);
/* Shorthand for fw_timeline_point_fence() + fw_loop_wait_fence(). */
struct fw_wait *fw_loop_wait_point(struct fw_loop *loop, struct fw_timeline *tl,
				   uint64_t point, fw_wait_func_t func, void *data);
/* Cancel a wait whose callback has not run yet; its callback never runs. */
void fw_wait_cancel(struct fw_wait *wait);

#ifdef __cplusplus
}
#endif
#endif
