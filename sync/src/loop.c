/*
 * loop.c - fence waits for an event loop: one eventfd plus dispatch.
 *
 * A wait registers a fence callback.  When the fence signals (in whatever
 * thread: ours, the application's, a library thread) the callback moves the
 * wait to the loop's ready list and makes the eventfd readable; dispatch,
 * in the application's thread, runs the user callbacks.  The eventfd is
 * written only when the ready list goes from empty to non-empty, so a burst
 * of signals costs one wake-up.
 *
 * Cancel-safety: a wait is in exactly one state, changed under the loop
 * lock.  Cancelling a PENDING wait first unhooks its fence callback; if that
 * is too late, fw_fence_remove_callback() has waited for our callback, and
 * the wait is then READY and simply unlinked.  Cancelling a RUNNING wait
 * (dispatch in another thread) waits for the user callback to return.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fenceway/loop.h>

#include "fence_impl.h"

enum wait_state { PENDING, READY, RUNNING, DONE };

struct fw_wait {
	struct fw_fence_cb cb;      /* first: the callback finds us from it */
	struct fw_loop *loop;
	struct fw_fence *fence;     /* reference */
	fw_wait_func_t func;
	void *data;
	enum wait_state state;      /* loop lock */
	int cancel_waiters;         /* cancellers waiting for RUNNING to end */
	/* every wait of the loop (for destroy); loop lock */
	struct fw_wait *prev, *next;
	/* the ready list, in signal order; loop lock */
	struct fw_wait *rprev, *rnext;
};

struct fw_loop {
	int efd;                    /* owned eventfd */
	pthread_mutex_t lock;
	pthread_cond_t cond;        /* a RUNNING wait finished */
	struct fw_wait *all;
	struct fw_wait *ready_head, *ready_tail;
	size_t ready_count;
};

struct fw_loop *fw_loop_create(void)
{
	struct fw_loop *loop = calloc(1, sizeof(*loop));

	if (!loop) {
		errno = ENOMEM;
		return NULL;
	}
	loop->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->efd < 0) {
		int saved = errno;

		free(loop);
		errno = saved;
		return NULL;
	}
	pthread_mutex_init(&loop->lock, NULL);
	pthread_cond_init(&loop->cond, NULL);
	return loop;
}

int fw_loop_get_fd(struct fw_loop *loop)
{
	return loop ? loop->efd : -EINVAL;
}

/* Loop lock held. */
static void ready_append(struct fw_loop *loop, struct fw_wait *w)
{
	w->state = READY;
	w->rnext = NULL;
	w->rprev = loop->ready_tail;
	if (loop->ready_tail)
		loop->ready_tail->rnext = w;
	else
		loop->ready_head = w;
	loop->ready_tail = w;
	if (loop->ready_count++ == 0) {
		uint64_t one = 1;

		/* Cannot fail but for overflow, which needs 2^64 writes. */
		(void)!write(loop->efd, &one, sizeof(one));
	}
}

/* Loop lock held. */
static void ready_unlink(struct fw_loop *loop, struct fw_wait *w)
{
	if (w->rprev)
		w->rprev->rnext = w->rnext;
	else
		loop->ready_head = w->rnext;
	if (w->rnext)
		w->rnext->rprev = w->rprev;
	else
		loop->ready_tail = w->rprev;
	w->rprev = w->rnext = NULL;
	loop->ready_count--;
}

/* Loop lock held. */
static void all_unlink(struct fw_loop *loop, struct fw_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		loop->all = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void wait_free(struct fw_wait *w)
{
	fw_fence_put(w->fence);
	free(w);
}

/* Fence callback: any thread. */
static void wait_signaled(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct fw_wait *w = (struct fw_wait *)cb;
	struct fw_loop *loop = w->loop;

	pthread_mutex_lock(&loop->lock);
	ready_append(loop, w);
	pthread_mutex_unlock(&loop->lock);
}

struct fw_wait *fw_loop_wait_fence(struct fw_loop *loop, struct fw_fence *fence,
				   fw_wait_func_t func, void *data)
{
	struct fw_wait *w;

	if (!loop || !fence || !func) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->loop = loop;
	w->fence = fw_fence_get(fence);
	w->func = func;
	w->data = data;
	w->state = PENDING;

	pthread_mutex_lock(&loop->lock);
	w->next = loop->all;
	if (loop->all)
		loop->all->prev = w;
	loop->all = w;
	pthread_mutex_unlock(&loop->lock);

	/* Already signalled: still reported from dispatch, never from here. */
	if (fw_fence_add_callback(fence, &w->cb, wait_signaled) == -ENOENT) {
		pthread_mutex_lock(&loop->lock);
		ready_append(loop, w);
		pthread_mutex_unlock(&loop->lock);
	}
	return w;
}

struct fw_wait *fw_loop_wait_point(struct fw_loop *loop, struct fw_timeline *tl,
				   uint64_t point, fw_wait_func_t func, void *data)
{
	struct fw_fence *fence;
	struct fw_wait *w;
	int saved;

	if (!loop || !tl || !func) {
		errno = EINVAL;
		return NULL;
	}
	fence = fw_timeline_point_fence(tl, point);
	if (!fence)
		return NULL;
	w = fw_loop_wait_fence(loop, fence, func, data);
	saved = errno;
	fw_fence_put(fence);
	errno = saved;
	return w;
}

int fw_loop_dispatch(struct fw_loop *loop)
{
	uint64_t count;
	size_t todo;
	int ran = 0;

	if (!loop)
		return -EINVAL;

	pthread_mutex_lock(&loop->lock);
	/* Clear readiness first; ready_append re-arms it for new work. */
	(void)!read(loop->efd, &count, sizeof(count));
	/* Only what was ready on entry: callbacks may queue more. */
	todo = loop->ready_count;
	while (todo-- > 0 && loop->ready_head) {
		struct fw_wait *w = loop->ready_head;

		ready_unlink(loop, w);
		w->state = RUNNING;
		pthread_mutex_unlock(&loop->lock);

		w->func(w, w->fence, w->data);
		ran++;

		pthread_mutex_lock(&loop->lock);
		all_unlink(loop, w);
		if (w->cancel_waiters) {
			/* A canceller in another thread frees it. */
			w->state = DONE;
			pthread_cond_broadcast(&loop->cond);
		} else {
			pthread_mutex_unlock(&loop->lock);
			wait_free(w);
			pthread_mutex_lock(&loop->lock);
		}
	}
	if (loop->ready_count > 0) {
		uint64_t one = 1;

		/* Work queued during dispatch: stay readable. */
		(void)!write(loop->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&loop->lock);
	return ran;
}

void fw_wait_cancel(struct fw_wait *w)
{
	struct fw_loop *loop;

	if (!w)
		return;
	loop = w->loop;

	pthread_mutex_lock(&loop->lock);
	if (w->state == PENDING) {
		pthread_mutex_unlock(&loop->lock);
		/*
		 * Unhook without the loop lock: our callback takes it.  If this
		 * returns false, the callback has finished and queued us.
		 */
		if (fw_fence_remove_callback(w->fence, &w->cb)) {
			pthread_mutex_lock(&loop->lock);
			all_unlink(loop, w);
			pthread_mutex_unlock(&loop->lock);
			wait_free(w);
			return;
		}
		pthread_mutex_lock(&loop->lock);
	}
	if (w->state == READY) {
		ready_unlink(loop, w);
		all_unlink(loop, w);
		pthread_mutex_unlock(&loop->lock);
		wait_free(w);
		return;
	}
	if (w->state == RUNNING) {
		/* Dispatch in another thread is in its callback: let it end. */
		w->cancel_waiters++;
		while (w->state == RUNNING)
			pthread_cond_wait(&loop->cond, &loop->lock);
		if (--w->cancel_waiters == 0) {
			pthread_mutex_unlock(&loop->lock);
			wait_free(w);
			return;
		}
	}
	pthread_mutex_unlock(&loop->lock);
}

void fw_loop_destroy(struct fw_loop *loop)
{
	if (!loop)
		return;
	for (;;) {
		struct fw_wait *w;

		pthread_mutex_lock(&loop->lock);
		w = loop->all;
		pthread_mutex_unlock(&loop->lock);
		if (!w)
			break;
		fw_wait_cancel(w);
	}
	close(loop->efd);
	pthread_cond_destroy(&loop->cond);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}
