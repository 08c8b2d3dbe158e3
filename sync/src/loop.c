/*
 * loop.c - fence waits for an event loop: one pollable fd plus dispatch.
 *
 * A wait registers a fence callback.  When the fence signals (in whatever
 * thread: ours, the application's, a library thread) the callback moves the
 * wait to the loop's ready list and makes the loop's eventfd readable;
 * dispatch, in the application's thread, runs the user callbacks.  The
 * eventfd is written only when the ready list goes from empty to non-empty,
 * so a burst of signals costs one wake-up.
 *
 * Other processes' signals on soft timelines: a futex is not pollable, so
 * on the fallback path a library thread wakes in futex_waitv, signals the
 * fence, and our callback writes the eventfd, which wakes the application:
 * two wake-ups in a row.  Where io_uring has IORING_OP_FUTEX_WAIT (Linux
 * >= 6.7), each pending wait on a soft point instead keeps one FUTEX_WAIT
 * request on the timeline's wake word in the loop's own ring, and the fd
 * the caller polls is an epoll set of the ring and the eventfd: the peer's
 * FUTEX_WAKE posts a completion, the application wakes once, and dispatch
 * signals the timeline's fences itself (soft_timeline_process) before it
 * runs callbacks, and re-arms the waits still pending after them.  Such a
 * wait adds its fence callback without enabling signaling, so the helper
 * threads do not watch the timeline for it (and do not wake with the
 * loop); if another waiter in the process makes them watch it too, they
 * leave it to the loop for a grace period while such requests are armed
 * (its ring_waits, soft_watch.c) instead of racing the dispatch for the
 * same points, and signal it themselves after that.
 *
 * Imported sync files (the backend's poll_fd) go the same way: the ring
 * keeps a one-shot POLL_ADD on the file, and dispatch reads the file
 * (poll_settle) when the poll completes.
 *
 * Whatever the ring cannot take (full, or a page that keeps moving) falls
 * back: the wait enables signaling, and the library's threads signal it,
 * as without a ring.
 *
 * Cancel-safety: a wait is in exactly one state, changed under the loop
 * lock.  Cancelling a PENDING wait first unhooks its fence callback; if that
 * is too late, fw_fence_remove_callback() has waited for our callback, and
 * the wait is then READY and simply unlinked.  Cancelling a RUNNING wait
 * (dispatch in another thread) waits for the user callback to return.  A
 * wait whose futex request is still in the ring (its user_data points to
 * it) is not freed but parked as DEAD, with an IORING_OP_ASYNC_CANCEL sent
 * after it; the completion that comes back frees it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fenceway/loop.h>

#include "fence_impl.h"
#include "loop_impl.h"
#include "soft_timeline_impl.h"
#include "uring.h"

/* Completions the ring holds before the kernel buffers the rest. */
#define RING_CQ_ENTRIES 1024

enum wait_state { PENDING, READY, RUNNING, DONE, DEAD };

struct fw_wait {
	struct fw_fence_cb cb; /* first: the callback finds us from it */
	struct fw_loop *loop;
	struct fw_fence *fence; /* reference */
	fw_wait_func_t func;
	void *data;
	enum wait_state state; /* loop lock */
	int cancel_waiters;    /* cancellers waiting for RUNNING to end */
	/*
	 * Ring path: the soft timeline of the point (NULL: not a soft point,
	 * or no ring), whether a futex request for us is in the kernel, and
	 * whether a dispatch is handling its completion.  Either keeps the
	 * wait allocated.  Loop lock.
	 */
	struct soft_timeline *stl;
	/* Ring path for a backend fd (poll_fd), else -1; res of its poll. */
	int poll_fd;
	int32_t poll_res;
	/* Signaling enabled for a ring wait the ring could not take, or
	 * due to be (unwatched); loop lock. */
	bool unwatched, enabled;
	bool in_ring, handling;
	/* Counted in stl->ring_waits: helpers leave stl to this loop. */
	bool covering;
	struct fw_wait *woken_next; /* dispatch's list of completions */
	/* every live wait of the loop, or the parked DEAD ones; loop lock */
	struct fw_wait *prev, *next;
	/* the ready list, in signal order; loop lock */
	struct fw_wait *rprev, *rnext;
};

struct fw_loop {
	int fd;		      /* what the caller polls: efd or epfd */
	int efd;	      /* owned eventfd */
	int epfd;	      /* owned epoll of efd + ring, or -1 */
	struct fw_uring ring; /* loop lock */
	bool use_ring;
	bool kicked;	   /* efd written since dispatch read it */
	unsigned fork_gen; /* the process incarnation that made it */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a RUNNING wait finished */
	struct fw_wait *all;
	struct fw_wait *dead; /* parked until their completion */
	struct fw_wait *ready_head, *ready_tail;
	size_t ready_count;
	size_t unwatched; /* waits marked so, at most (a hint) */
};

/*
 * A forked child shares the parent's ring (its mappings and fd): it must
 * never submit to it or reap from it.
 */
static unsigned fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void loop_atfork_child(void)
{
	fork_gen++;
}

static void loop_atfork_register(void)
{
	pthread_atfork(NULL, NULL, loop_atfork_child);
}

/* The dispatch this thread is running (its appends need no eventfd write). */
static __thread struct fw_loop *dispatching;

static bool ring_usable(const struct fw_loop *loop)
{
	return loop->use_ring && loop->fork_gen == fork_gen;
}

/* Set up the ring and the epoll set; false leaves the eventfd alone. */
static bool ring_setup(struct fw_loop *loop)
{
	struct epoll_event ev = {.events = EPOLLIN};

	/* Valgrind, old kernels and the forced fallback: helper threads. */
	if (soft_watch_fallback())
		return false;
	if (fw_uring_init(&loop->ring, RING_CQ_ENTRIES) < 0)
		return false;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		goto fail;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->efd, &ev) < 0 ||
	    epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->ring.fd, &ev) < 0)
		goto fail;
	loop->use_ring = true;
	loop->fd = loop->epfd;
	return true;
fail:
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
	fw_uring_fini(&loop->ring);
	return false;
}

static struct fw_loop *loop_create(bool want_ring)
{
	struct fw_loop *loop = calloc(1, sizeof(*loop));

	if (!loop) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_once(&atfork_once, loop_atfork_register);
	loop->fork_gen = fork_gen;
	loop->epfd = -1;
	loop->ring.fd = -1;
	loop->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->efd < 0) {
		int saved = errno;

		free(loop);
		errno = saved;
		return NULL;
	}
	loop->fd = loop->efd;
	if (want_ring)
		ring_setup(loop);
	pthread_mutex_init(&loop->lock, NULL);
	pthread_cond_init(&loop->cond, NULL);
	return loop;
}

struct fw_loop *fw_loop_create(void)
{
	return loop_create(true);
}

struct fw_loop *fw_loop_create_without_ring(void)
{
	return loop_create(false);
}

bool fw_loop_uses_ring(const struct fw_loop *loop)
{
	return ring_usable(loop);
}

int fw_loop_get_fd(struct fw_loop *loop)
{
	return loop ? loop->fd : -EINVAL;
}

/* Loop lock held. */
static void efd_kick(struct fw_loop *loop)
{
	uint64_t one = 1;

	loop->kicked = true;
	/* Cannot fail but for overflow, which needs 2^64 writes. */
	(void)!write(loop->efd, &one, sizeof(one));
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
	/* A dispatch running in this thread picks it up before it returns. */
	if (loop->ready_count++ == 0 && dispatching != loop)
		efd_kick(loop);
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
static void list_push(struct fw_wait **head, struct fw_wait *w)
{
	w->prev = NULL;
	w->next = *head;
	if (*head)
		(*head)->prev = w;
	*head = w;
}

/* Loop lock held. */
static void list_unlink(struct fw_wait **head, struct fw_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		*head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void wait_free(struct fw_wait *w)
{
	fw_fence_put(w->fence);
	free(w);
}

/* Loop lock held.  @w no longer answers for its timeline's wake-ups. */
static void ring_uncover(struct fw_wait *w)
{
	if (!w->covering)
		return;
	w->covering = false;
	atomic_fetch_sub(&w->stl->ring_waits, 1);
	/* A helper may have left a signal to us that we will not handle. */
	if (soft_timeline_due(w->stl))
		soft_watch_recheck(w->stl);
}

/*
 * Loop lock held; @w is finished (cancelled or its callback ran) and
 * unlinked from the live list.  True if the caller frees it now; false if
 * the ring still refers to it: parked, freed by the completion's handler.
 */
static bool wait_retire(struct fw_loop *loop, struct fw_wait *w)
{
	ring_uncover(w);
	if (!w->in_ring && !w->handling)
		return true;
	w->state = DEAD;
	list_push(&loop->dead, w);
	/*
	 * Hurry the request out of the kernel (the caller submits).  If the
	 * cancel cannot be queued, the wait stays parked until its timeline
	 * moves or the loop is destroyed; nothing else depends on it.
	 */
	if (w->in_ring && ring_usable(loop))
		fw_uring_cancel(&loop->ring, (uintptr_t)w, 0);
	return false;
}

/*
 * Loop lock held.  Hand what is queued to the kernel.  A failure leaves
 * it queued for the next call; meanwhile the helper threads still watch
 * every timeline, so nothing is lost, only slower.
 */
static void ring_flush(struct fw_loop *loop)
{
	if (ring_usable(loop))
		fw_uring_submit(&loop->ring);
}

/* A wait whose fence only the ring watches (its callback was quiet). */
static bool ring_only(const struct fw_wait *w)
{
	return (w->stl || w->poll_fd >= 0) && !w->enabled;
}

/*
 * Loop lock held.  @w is watched by nobody but should be: see
 * ring_fallback().
 */
static void mark_unwatched(struct fw_loop *loop, struct fw_wait *w)
{
	if (!w->unwatched && !w->enabled) {
		w->unwatched = true;
		w->enabled = true;
		loop->unwatched++;
	}
}

/*
 * Loop lock held.  ring_flush() for a batch that armed waits: a request
 * the kernel has not got watches nothing, so if the submission fails every
 * pending wait that only the ring watches is marked for fallback.
 */
static void ring_flush_arms(struct fw_loop *loop)
{
	if (!ring_usable(loop) || fw_uring_submit(&loop->ring) == 0)
		return;
	for (struct fw_wait *w = loop->all; w; w = w->next)
		if (w->state == PENDING && ring_only(w))
			mark_unwatched(loop, w);
}

/*
 * Loop lock held on entry and exit, dropped meanwhile.  Waits marked
 * unwatched enable signaling, so the library's threads watch their fences
 * (not under the loop lock: the backend may signal at once, and our fence
 * callback takes it).  A request still in the ring may complete too;
 * whichever comes second finds the fence signalled.
 */
static void ring_fallback(struct fw_loop *loop)
{
	while (loop->unwatched > 0) {
		struct fw_wait *w = loop->all;
		struct fw_fence *fence;

		while (w && !w->unwatched)
			w = w->next;
		if (!w) {
			/* The rest finished meanwhile. */
			loop->unwatched = 0;
			return;
		}
		w->unwatched = false;
		loop->unwatched--;
		fence = fw_fence_get(w->fence);
		pthread_mutex_unlock(&loop->lock);
		fw_fence_enable_signaling(fence);
		fw_fence_put(fence);
		pthread_mutex_lock(&loop->lock);
	}
}

/*
 * Loop lock held; @w is PENDING on a soft point and has no request in the
 * ring.  Queue a FUTEX_WAIT on the wake word as it is now (the caller
 * submits: a dispatch re-arms all its waits with one system call).  The word is
 * read before the value, as every waiter of the ABI does: a signal in
 * between changes the word and the request completes at once (-EAGAIN).
 * False if the page already shows something to process first.
 */
static bool ring_arm(struct fw_loop *loop, struct fw_wait *w)
{
	_Atomic uint32_t *word;
	uint32_t seen;

	if (w->poll_fd >= 0) {
		/* A file already readable completes at once: nothing to
		 * check first.  Not armed: the caller falls back. */
		if (fw_uring_poll(&loop->ring, w->poll_fd, POLLIN | POLLRDHUP,
				  (uintptr_t)w) == 0)
			w->in_ring = true;
		return true;
	}
	word = &w->stl->page->wake;
	seen = atomic_load(word);

	if (soft_timeline_due(w->stl))
		return false;
	/*
	 * If this fails (ring full, kernel refusing), the wait is no worse
	 * off than on the fallback path: the helper threads signal it.
	 */
	if (fw_uring_futex_wait(&loop->ring, word, seen, (uintptr_t)w) == 0) {
		w->in_ring = true;
		if (!w->covering) {
			w->covering = true;
			atomic_fetch_add(&w->stl->ring_waits, 1);
		}
	}
	return true;
}

/*
 * Loop lock held on entry and exit.  Arm @w; when its timeline is due,
 * process it first (outside the lock).  Gives up after a few rounds: a
 * peer that keeps moving the page just leaves @w to the helper threads.
 */
static void ring_watch(struct fw_loop *loop, struct fw_wait *w)
{
	for (int tries = 0; tries < 4; tries++) {
		if (w->state != PENDING || ring_arm(loop, w))
			return;
		w->handling = true;
		pthread_mutex_unlock(&loop->lock);
		soft_timeline_process(w->stl);
		pthread_mutex_lock(&loop->lock);
		w->handling = false;
	}
}

/*
 * Loop lock held, @w not being handled by anyone else.  Keep a PENDING
 * wait armed; true if @w finished meanwhile and the caller must free it.
 */
static bool ring_settle(struct fw_loop *loop, struct fw_wait *w)
{
	if (w->state == PENDING)
		ring_watch(loop, w);
	if (w->state == PENDING && ring_only(w) && !w->in_ring) {
		/* The ring could not take it: the library's threads do. */
		w->poll_fd = -1;
		mark_unwatched(loop, w);
	}
	if (w->state != PENDING || !w->in_ring)
		ring_uncover(w);
	if (w->state == DEAD && !w->in_ring && !w->handling) {
		list_unlink(&loop->dead, w);
		return true;
	}
	return false;
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
	w->poll_fd = -1;
	if (ring_usable(loop)) {
		w->stl = soft_point_timeline(fence);
		if (!w->stl && fence->ops && fence->ops->poll_fd &&
		    fence->ops->poll_settle)
			w->poll_fd = fence->ops->poll_fd(fence);
	}

	pthread_mutex_lock(&loop->lock);
	list_push(&loop->all, w);
	pthread_mutex_unlock(&loop->lock);

	/* Already signalled: still reported from dispatch, never from here. */
	if ((w->stl || w->poll_fd >= 0
		     ? fw_fence_add_callback_quiet(fence, &w->cb, wait_signaled)
		     : fw_fence_add_callback(fence, &w->cb, wait_signaled)) ==
	    -ENOENT) {
		pthread_mutex_lock(&loop->lock);
		ready_append(loop, w);
		pthread_mutex_unlock(&loop->lock);
	} else if (w->stl || w->poll_fd >= 0) {
		bool gone;

		pthread_mutex_lock(&loop->lock);
		gone = ring_settle(loop, w);
		ring_flush_arms(loop);
		ring_fallback(loop);
		pthread_mutex_unlock(&loop->lock);
		/*
		 * Dispatched and finished in another thread already: the
		 * caller may get a freed wait back, as without the ring.
		 */
		if (gone)
			wait_free(w);
	}
	return w;
}

struct fw_wait *fw_loop_wait_point(struct fw_loop *loop, struct fw_timeline *tl,
				   uint64_t point, fw_wait_func_t func,
				   void *data)
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

/*
 * Loop lock held.  Take every completion from the ring; the waits they
 * belong to come back marked as being handled (so nobody frees them).
 */
static struct fw_wait *ring_reap(struct fw_loop *loop)
{
	struct fw_wait *woken = NULL, *w;
	uint64_t user_data;
	int32_t res;

	while (fw_uring_reap(&loop->ring, &user_data, &res)) {
		/* 0: an ASYNC_CANCEL's own completion. */
		if (!user_data)
			continue;
		w = (struct fw_wait *)(uintptr_t)user_data;
		w->in_ring = false;
		w->poll_res = res;
		w->handling = true;
		w->woken_next = woken;
		woken = w;
	}
	return woken;
}

/*
 * Loop lock held (dropped while processing).  Whatever each completion
 * said (woken, value changed, cancelled because the submitting thread
 * exited), look at the page and signal what is due.  The waits stay
 * marked as being handled until ring_rearm().
 */
static void ring_process(struct fw_loop *loop, struct fw_wait *woken)
{
	for (struct fw_wait *w = woken; w; w = w->woken_next) {
		if (w->state != PENDING)
			continue;
		if (w->stl && soft_timeline_due(w->stl)) {
			pthread_mutex_unlock(&loop->lock);
			soft_timeline_process(w->stl);
			pthread_mutex_lock(&loop->lock);
		} else if (w->poll_fd >= 0 && w->poll_res > 0) {
			/* Readable (a cancelled poll is just re-armed). */
			pthread_mutex_unlock(&loop->lock);
			w->fence->ops->poll_settle(w->fence);
			pthread_mutex_lock(&loop->lock);
		}
	}
}

/*
 * Loop lock held (dropped to free).  Re-arm the waits of @woken that are
 * still pending, with one submission; free those finished meanwhile.
 * Done after the callbacks ran, so re-arming costs them no latency.
 */
static void ring_rearm(struct fw_loop *loop, struct fw_wait *woken)
{
	struct fw_wait *w, *gone = NULL;

	while ((w = woken)) {
		woken = w->woken_next;
		w->handling = false;
		if (ring_settle(loop, w)) {
			w->woken_next = gone;
			gone = w;
		}
	}
	ring_flush_arms(loop);
	if (gone) {
		pthread_mutex_unlock(&loop->lock);
		while ((w = gone)) {
			gone = w->woken_next;
			wait_free(w);
		}
		pthread_mutex_lock(&loop->lock);
	}
}

int fw_loop_dispatch(struct fw_loop *loop)
{
	struct fw_loop *outer = dispatching;
	struct fw_wait *woken = NULL;
	uint64_t count;
	size_t todo;
	int ran = 0;

	if (!loop)
		return -EINVAL;

	pthread_mutex_lock(&loop->lock);
	/* Clear readiness first; ready_append re-arms it for new work. */
	if (loop->kicked || !ring_usable(loop)) {
		(void)!read(loop->efd, &count, sizeof(count));
		loop->kicked = false;
	}
	if (ring_usable(loop)) {
		dispatching = loop;
		woken = ring_reap(loop);
		ring_process(loop, woken);
		dispatching = outer;
	}
	/* Only what is ready now: callbacks may queue more. */
	todo = loop->ready_count;
	while (todo-- > 0 && loop->ready_head) {
		struct fw_wait *w = loop->ready_head;

		ready_unlink(loop, w);
		w->state = RUNNING;
		pthread_mutex_unlock(&loop->lock);

		w->func(w, w->fence, w->data);
		ran++;

		pthread_mutex_lock(&loop->lock);
		list_unlink(&loop->all, w);
		if (w->cancel_waiters) {
			/* A canceller in another thread frees it. */
			w->state = DONE;
			pthread_cond_broadcast(&loop->cond);
		} else if (wait_retire(loop, w)) {
			pthread_mutex_unlock(&loop->lock);
			wait_free(w);
			pthread_mutex_lock(&loop->lock);
		}
	}
	if (ring_usable(loop)) {
		ring_rearm(loop, woken);
		ring_fallback(loop);
	}
	/* Work queued during dispatch: stay readable. */
	if (loop->ready_count > 0)
		efd_kick(loop);
	pthread_mutex_unlock(&loop->lock);
	return ran;
}

void fw_wait_cancel(struct fw_wait *w)
{
	struct fw_loop *loop;
	bool free_now;

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
			list_unlink(&loop->all, w);
			free_now = wait_retire(loop, w);
			ring_flush(loop);
			pthread_mutex_unlock(&loop->lock);
			if (free_now)
				wait_free(w);
			return;
		}
		pthread_mutex_lock(&loop->lock);
	}
	if (w->state == READY) {
		ready_unlink(loop, w);
		list_unlink(&loop->all, w);
		free_now = wait_retire(loop, w);
		ring_flush(loop);
		pthread_mutex_unlock(&loop->lock);
		if (free_now)
			wait_free(w);
		return;
	}
	if (w->state == RUNNING) {
		/* Dispatch in another thread is in its callback: let it end. */
		w->cancel_waiters++;
		while (w->state == RUNNING)
			pthread_cond_wait(&loop->cond, &loop->lock);
		if (--w->cancel_waiters == 0) {
			free_now = wait_retire(loop, w);
			ring_flush(loop);
			pthread_mutex_unlock(&loop->lock);
			if (free_now)
				wait_free(w);
			return;
		}
	}
	pthread_mutex_unlock(&loop->lock);
}

void fw_loop_destroy(struct fw_loop *loop)
{
	struct fw_wait *w;

	if (!loop)
		return;
	for (;;) {
		pthread_mutex_lock(&loop->lock);
		w = loop->all;
		pthread_mutex_unlock(&loop->lock);
		if (!w)
			break;
		fw_wait_cancel(w);
	}
	/* Closing the ring takes the parked waits' requests with it. */
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->use_ring)
		fw_uring_fini(&loop->ring);
	while ((w = loop->dead)) {
		loop->dead = w->next;
		wait_free(w);
	}
	close(loop->efd);
	pthread_cond_destroy(&loop->cond);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}
