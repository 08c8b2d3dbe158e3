/*
 * fenceway/loop.h - waiting for fences from an event loop.
 *
 * The libwayland/libinput pattern: one pollable fd plus a dispatch call.
 * Add fw_loop_get_fd() to your loop (wl_event_loop_add_fd, poll, epoll);
 * when it is readable, call fw_loop_dispatch(), which runs the callbacks of
 * the waits whose fences signalled, in the calling thread.  Nothing wakes
 * while nothing signals.
 *
 * How another process's signal reaches the fd: where io_uring has
 * IORING_OP_FUTEX_WAIT (Linux >= 6.7), the fd is an epoll set of the
 * loop's own io_uring and an eventfd, and each pending wait on a soft
 * timeline point keeps a futex wait on the timeline's wake word in that
 * ring, each pending wait on a soft sync file from another process a poll
 * of the file: the peer's wake or message makes the fd readable with one
 * wake-up, and fw_loop_dispatch() itself signals those fences before it
 * runs the callbacks.  Otherwise (older kernels, io_uring disabled, valgrind,
 * FENCEWAY_SYNC_FORCE_FALLBACK=1 or fw_sync_force_fallback(true)) the fd is
 * the eventfd alone, written by the library's helper thread that noticed
 * the signal: two wake-ups in a row.  Either way the callbacks run only in
 * the thread that calls fw_loop_dispatch().  On the io_uring path the
 * kernel completes a futex wait through the thread that added the wait (it
 * is interrupted briefly if busy elsewhere; if it has exited, the next
 * dispatch re-arms the wait), and the library's helper threads, which
 * still watch every timeline, leave a due timeline to the loop for up to
 * 10 ms before signalling it themselves: fences of that timeline waited
 * outside the loop wait at most that long for a loop that is not being
 * dispatched.  A loop belongs to the process that created it: a fork()ed
 * child must not use its copy (it shares the parent's ring and eventfd).
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

/*
 * The loop's fd (borrowed; readable while dispatch has work, and possibly
 * spuriously: dispatch then runs nothing).
 */
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
				   uint64_t point, fw_wait_func_t func,
				   void *data);
/* Cancel a wait whose callback has not run yet; its callback never runs. */
void fw_wait_cancel(struct fw_wait *wait);

#ifdef __cplusplus
}
#endif
#endif
