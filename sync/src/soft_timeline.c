/*
 * soft_timeline.c - timelines in a sealed shared-memory page.
 *
 * The page (docs/soft-timeline-abi.md) is shared with processes we do not
 * trust.  The seals, checked on import, guarantee its size so touching it
 * can never SIGBUS; after that we believe only "the value", and only in the
 * direction that matters: a point is signalled once the value was seen >= it.
 * A value that goes backwards delays nothing already signalled; a garbage
 * error is clamped to -EIO; a trashed magic after import is ignored.
 *
 * This process's pending points live in a min-heap per timeline, so a signal
 * costs O(k log n) for the k points it reaches, independent of the other
 * waiters.  Signals from this process are delivered before
 * fw_timeline_signal() returns; signals from other processes arrive through
 * soft_watch.c's threads.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futex.h"
#include "soft_timeline_impl.h"

struct soft_point {
	struct fw_fence base;
	struct soft_timeline *tl;     /* reference */
	size_t heap_idx;	      /* SIZE_MAX when not in the heap */
	struct soft_point *next_done; /* list of points being signalled */
	int done_status;
	bool watched; /* somebody enabled signaling; tl lock */
};

#define NOT_IN_HEAP SIZE_MAX

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct soft_timeline *registry;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static const struct fw_timeline_ops soft_ops;

static struct soft_timeline *to_soft(struct fw_timeline *tl)
{
	return (struct soft_timeline *)tl;
}

bool fw_timeline_is_soft(const struct fw_timeline *tl)
{
	return tl && tl->ops == &soft_ops;
}

/* ---- the page ------------------------------------------------------------ */

int soft_timeline_page_error(const struct fw_soft_page *page)
{
	int32_t err = atomic_load_explicit(&page->error, memory_order_acquire);

	if (err == 0)
		return 0;
	/* Only a real negative errno is passed on; anything else is -EIO. */
	return (err < 0 && err >= -4095) ? err : -EIO;
}

static uint64_t page_value(const struct fw_soft_page *page)
{
	/* seq_cst: ordered against the heap mirrors (see soft_point_fence). */
	return atomic_load(&page->value);
}

/*
 * The signal-time ring (docs/soft-timeline-abi.md): each signal that raises
 * the value leaves (value, time) there, so other processes learn when it
 * happened, not only when they noticed.  Only where the creator announced
 * it: the reserved area of a page without the flag is not ours to write.
 */
static bool ring_present(const struct fw_soft_page *page)
{
	return (__atomic_load_n(&page->flags, __ATOMIC_RELAXED) &
		FW_SOFT_FLAG_SIGNAL_TIMES) &&
	       __atomic_load_n(&page->ring.slots, __ATOMIC_RELAXED) ==
		       FW_SOFT_RING_SLOTS;
}

/* A per-slot seqlock: odd while the pair is written, even once complete. */
static void ring_record(struct fw_soft_page *page, uint64_t value,
			int64_t time_ns)
{
	struct fw_soft_signal_slot *slot;
	uint32_t ticket;

	if (!ring_present(page))
		return;
	ticket = atomic_fetch_add_explicit(&page->ring.head, 1,
					   memory_order_relaxed);
	slot = &page->ring.slot[ticket % FW_SOFT_RING_SLOTS];
	atomic_store_explicit(&slot->seq, 2 * ticket + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&slot->value, value, memory_order_relaxed);
	atomic_store_explicit(&slot->time_ns, time_ns, memory_order_relaxed);
	atomic_store_explicit(&slot->seq, 2 * ticket + 2, memory_order_release);
}

/*
 * When the ring says @point was reached: the earliest time of a complete
 * entry whose value is >= @point, provided the ring still reaches back to
 * before that (it never wrapped, or it also holds an entry below @point).
 * 0 if it cannot tell.  The ring is any peer's to write: only the slots of
 * the last FW_SOFT_RING_SLOTS tickets are read, each only when its seq
 * word says it is complete and did not change while read; what it then
 * says is still a claim, which the fence core clamps.
 */
int64_t fw_soft_page_signal_time(const struct fw_soft_page *page,
				 uint64_t point)
{
	const struct fw_soft_signal_ring *ring = &page->ring;
	uint32_t head, ticket, first, seq;
	int64_t best = 0, time_ns;
	uint64_t value;
	bool reaches_back;

	if (!ring_present(page))
		return 0;
	head = atomic_load_explicit(&ring->head, memory_order_acquire);
	reaches_back = head <= FW_SOFT_RING_SLOTS;
	first = reaches_back ? 0 : head - FW_SOFT_RING_SLOTS;
	for (ticket = first; ticket != head; ticket++) {
		const struct fw_soft_signal_slot *slot =
			&ring->slot[ticket % FW_SOFT_RING_SLOTS];

		seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
		if (seq != 2 * ticket + 2)
			continue;
		value = atomic_load_explicit(&slot->value,
					     memory_order_relaxed);
		time_ns = atomic_load_explicit(&slot->time_ns,
					       memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&slot->seq, memory_order_relaxed) !=
		    seq)
			continue;
		if (value < point)
			reaches_back = true;
		else if (time_ns > 0 && (best == 0 || time_ns < best))
			best = time_ns;
	}
	return reaches_back ? best : 0;
}

/* Tell every waiter, in every process, that the page changed. */
static void page_kick(struct fw_soft_page *page)
{
	atomic_fetch_add_explicit(&page->wake, 1, memory_order_release);
	fw_futex_wake(&page->wake, true);
}

/* ---- the heap of pending points ------------------------------------------ */

static void heap_set(struct soft_timeline *tl, size_t i, struct soft_point *p)
{
	tl->heap[i] = p;
	p->heap_idx = i;
}

static void heap_up(struct soft_timeline *tl, size_t i)
{
	struct soft_point *p = tl->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (tl->heap[parent]->base.seqno <= p->base.seqno)
			break;
		heap_set(tl, i, tl->heap[parent]);
		i = parent;
	}
	heap_set(tl, i, p);
}

static void heap_down(struct soft_timeline *tl, size_t i)
{
	struct soft_point *p = tl->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= tl->heap_len)
			break;
		if (c + 1 < tl->heap_len &&
		    tl->heap[c + 1]->base.seqno < tl->heap[c]->base.seqno)
			c++;
		if (p->base.seqno <= tl->heap[c]->base.seqno)
			break;
		heap_set(tl, i, tl->heap[c]);
		i = c;
	}
	heap_set(tl, i, p);
}

static void heap_sync_mirrors(struct soft_timeline *tl)
{
	atomic_store(&tl->min_point,
		     tl->heap_len ? tl->heap[0]->base.seqno : UINT64_MAX);
	atomic_store(&tl->npending, tl->heap_len);
	atomic_store(&tl->nwatched, tl->heap_watched);
}

static int heap_push(struct soft_timeline *tl, struct soft_point *p)
{
	if (tl->heap_len == tl->heap_cap) {
		size_t cap = tl->heap_cap ? tl->heap_cap * 2 : 8;
		struct soft_point **h = realloc(tl->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		tl->heap = h;
		tl->heap_cap = cap;
	}
	tl->heap[tl->heap_len] = p;
	p->heap_idx = tl->heap_len++;
	heap_up(tl, p->heap_idx);
	heap_sync_mirrors(tl);
	return 0;
}

static void heap_remove(struct soft_timeline *tl, struct soft_point *p)
{
	size_t i = p->heap_idx;
	struct soft_point *last;

	p->heap_idx = NOT_IN_HEAP;
	if (p->watched)
		tl->heap_watched--;
	last = tl->heap[--tl->heap_len];
	if (last != p) {
		heap_set(tl, i, last);
		heap_down(tl, i);
		heap_up(tl, last->heap_idx);
	}
	heap_sync_mirrors(tl);
}

/* ---- point fences ---------------------------------------------------------- */

static void point_release(struct fw_fence *fence)
{
	struct soft_point *p = (struct soft_point *)fence;
	struct soft_timeline *tl = p->tl;
	bool emptied = false;

	pthread_mutex_lock(&tl->lock);
	if (p->heap_idx != NOT_IN_HEAP) {
		heap_remove(tl, p);
		emptied = p->watched && tl->heap_watched == 0;
	}
	pthread_mutex_unlock(&tl->lock);
	if (emptied)
		soft_watch_emptied(tl);
	free(p);
	fw_timeline_put(&tl->base);
}

/*
 * Somebody needs to learn of the signal without watching the page itself
 * (a callback, a blocking wait; an event loop with an io_uring watches it
 * on its own and never asks): the watchers take the timeline on while it
 * has such points.
 */
static void point_enable_signaling(struct fw_fence *fence)
{
	struct soft_point *p = (struct soft_point *)fence;
	struct soft_timeline *tl = p->tl;
	bool watch = false;

	pthread_mutex_lock(&tl->lock);
	if (p->heap_idx != NOT_IN_HEAP && !p->watched) {
		p->watched = true;
		tl->heap_watched++;
		heap_sync_mirrors(tl);
		watch = true;
	}
	pthread_mutex_unlock(&tl->lock);
	if (!watch)
		return;
	soft_watch_add(tl);
	/*
	 * A peer may have raised the value before the watcher took the
	 * timeline on, and its wake-up found nobody: look once more.
	 */
	if (soft_timeline_due(tl))
		soft_timeline_process(tl);
}

/*
 * A status query reads the page itself: right after a peer's signal the
 * answer is already true, before our watcher thread gets to it.
 */
static int point_signaled(struct fw_fence *fence)
{
	struct soft_point *p = (struct soft_point *)fence;

	if (page_value(p->tl->page) >= fence->seqno)
		return FW_FENCE_SIGNALED;
	return soft_timeline_page_error(p->tl->page);
}

static int64_t point_producer_time(struct fw_fence *fence)
{
	struct soft_point *p = (struct soft_point *)fence;

	return fw_soft_page_signal_time(p->tl->page, fence->seqno);
}

static const struct fw_fence_ops point_ops = {
	.driver_name = "fenceway-soft",
	.enable_signaling = point_enable_signaling,
	.signaled = point_signaled,
	.producer_time = point_producer_time,
	.release = point_release,
};

struct soft_timeline *soft_point_timeline(struct fw_fence *fence)
{
	return fence->ops == &point_ops ? ((struct soft_point *)fence)->tl
					: NULL;
}

bool soft_timeline_due(struct soft_timeline *tl)
{
	if (atomic_load(&tl->npending) == 0)
		return false;
	return page_value(tl->page) >= atomic_load(&tl->min_point) ||
	       soft_timeline_page_error(tl->page) != 0;
}

/*
 * The batches this thread is signalling right now (a stack: a callback may
 * signal another timeline, or this one again).
 */
struct batch_frame {
	struct soft_timeline *tl;
	struct batch_frame *next;
};
static __thread struct batch_frame *my_batches;

static int my_inflight(struct soft_timeline *tl)
{
	int n = 0;

	for (struct batch_frame *f = my_batches; f; f = f->next)
		n += f->tl == tl;
	return n;
}

bool soft_timeline_due_for_watcher(struct soft_timeline *tl)
{
	return atomic_load(&tl->local_signalling) == 0 && soft_timeline_due(tl);
}

/*
 * Pop what is done (points <= value succeed; with a sticky error, or a
 * @local_error, the rest fail) under the lock, signal after dropping it.
 *
 * With @wait_others, first wait until no other thread is still signalling
 * a batch it popped: a watcher thread may have popped our points a moment
 * before we looked (our own kick woke it), and the caller's contract is
 * that they have all signalled on return.  Library threads never wait
 * (see fw_library_thread), so this cannot form a cycle with them.
 */
static int process(struct soft_timeline *tl, int local_error, bool wait_others)
{
	struct soft_point *done = NULL, **tail = &done, *p;
	struct batch_frame frame = {tl, my_batches};
	bool popped = false, had_watched, emptied;
	uint64_t value;
	int err, count = 0;

	pthread_mutex_lock(&tl->lock);
	if (wait_others && !fw_library_thread) {
		int mine = my_inflight(tl);

		while (tl->inflight > mine)
			pthread_cond_wait(&tl->inflight_cond, &tl->lock);
	}
	value = page_value(tl->page);
	err = local_error ? local_error : soft_timeline_page_error(tl->page);
	had_watched = tl->heap_watched > 0;
	while (tl->heap_len) {
		p = tl->heap[0];
		if (p->base.seqno > value && !err)
			break;
		heap_remove(tl, p);
		popped = true;
		/* A point whose last reference is going away is skipped. */
		if (!fw_fence_get_unless_zero(&p->base))
			continue;
		p->done_status = p->base.seqno <= value ? 0 : err;
		p->next_done = NULL;
		*tail = p;
		tail = &p->next_done;
	}
	emptied = popped && had_watched && tl->heap_watched == 0;
	if (!done) {
		pthread_mutex_unlock(&tl->lock);
		if (emptied)
			soft_watch_emptied(tl);
		return 0;
	}
	tl->inflight++;
	pthread_mutex_unlock(&tl->lock);
	/* A fallback waiter may sleep on an unchanged word: let it exit. */
	if (emptied)
		soft_watch_emptied(tl);

	my_batches = &frame;
	while (done) {
		p = done;
		done = p->next_done;
		fw_fence_signal(&p->base, p->done_status);
		fw_fence_put(&p->base);
		count++;
	}
	my_batches = frame.next;

	pthread_mutex_lock(&tl->lock);
	tl->inflight--;
	pthread_cond_broadcast(&tl->inflight_cond);
	pthread_mutex_unlock(&tl->lock);
	return count;
}

void soft_timeline_process(struct soft_timeline *tl)
{
	process(tl, 0, false);
}

/*
 * This process's own signals: announce them, so the watcher (which our
 * own wake-up rouses too) stays out of the way instead of popping the same
 * points on another CPU; then process, complete on return.
 */
static void local_begin(struct soft_timeline *tl)
{
	atomic_fetch_add(&tl->local_signalling, 1);
}

static void local_end(struct soft_timeline *tl)
{
	process(tl, 0, true);
	atomic_fetch_sub(&tl->local_signalling, 1);
	/*
	 * A peer's signal may have woken the watcher while we were busy, and
	 * the watcher left it to us: take a last look now that it no longer
	 * defers to us.
	 */
	if (soft_timeline_due(tl))
		process(tl, 0, true);
}

static struct fw_fence *soft_point_fence(struct fw_timeline *base,
					 uint64_t point)
{
	struct soft_timeline *tl = to_soft(base);
	struct soft_point *p = calloc(1, sizeof(*p));
	bool nomem = false;
	int status = 1, ret;

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	ret = fw_fence_init(&p->base, &point_ops, base->context, point,
			    base->name);
	if (ret < 0) {
		free(p);
		errno = -ret;
		return NULL;
	}
	p->tl = to_soft(fw_timeline_get(base));
	p->heap_idx = NOT_IN_HEAP;

	/*
	 * Every pending point goes into the heap at once (not lazily), so
	 * that whoever processes the timeline signals it and
	 * sw_sync_timeline_destroy() can find every pending fence of this
	 * process; its status is current anyway (point_signaled reads the
	 * page).  The watchers take it on only once somebody needs its
	 * signal (point_enable_signaling).
	 */
	pthread_mutex_lock(&tl->lock);
	if (page_value(tl->page) >= point) {
		status = 0;
	} else if ((status = soft_timeline_page_error(tl->page)) == 0) {
		/*
		 * Our own allocation failure, kept apart from the page's
		 * error: a peer may well put -ENOMEM there, and that must
		 * fail the point, not its creation.
		 */
		nomem = heap_push(tl, p) < 0;
		status = 1;
	}
	pthread_mutex_unlock(&tl->lock);

	if (nomem) {
		fw_fence_put(&p->base);
		errno = ENOMEM;
		return NULL;
	} else if (status == 1) {
		/*
		 * A peer may have raised the value between our check and the
		 * push: signal now rather than when somebody next looks.
		 */
		if (soft_timeline_due(tl))
			soft_timeline_process(tl);
	} else {
		fw_fence_signal(&p->base, status);
	}
	return &p->base;
}

/* ---- timeline ops ----------------------------------------------------------- */

/*
 * Raise the value to at least @point (CAS max); a raise is recorded in the
 * signal-time ring with the time taken before it became visible.
 */
static void page_raise(struct fw_soft_page *page, uint64_t point)
{
	int64_t now = fw_now_ns();
	uint64_t cur = page_value(page);

	while (cur < point &&
	       !atomic_compare_exchange_weak_explicit(&page->value, &cur, point,
						      memory_order_acq_rel,
						      memory_order_acquire))
		;
	if (cur < point)
		ring_record(page, point, now);
}

static int soft_signal(struct fw_timeline *base, uint64_t point)
{
	struct soft_timeline *tl = to_soft(base);

	/*
	 * Process even if the value already was there: a peer may have raised
	 * it a moment ago and our watcher not have caught up yet, and the
	 * contract is that our fences <= @point are signalled on return.
	 */
	local_begin(tl);
	if (page_value(tl->page) < point) {
		page_raise(tl->page, point);
		page_kick(tl->page);
	}
	local_end(tl);
	return 0;
}

int fw_soft_timeline_advance(struct fw_timeline *base, uint64_t count,
			     uint64_t *new_value)
{
	struct soft_timeline *tl;
	uint64_t cur, next;
	int64_t now;

	if (!fw_timeline_is_soft(base))
		return -EINVAL;
	tl = to_soft(base);
	local_begin(tl);
	now = fw_now_ns();
	cur = page_value(tl->page);
	do {
		next = cur > UINT64_MAX - count ? UINT64_MAX : cur + count;
	} while (next != cur &&
		 !atomic_compare_exchange_weak_explicit(
			 &tl->page->value, &cur, next, memory_order_acq_rel,
			 memory_order_acquire));
	if (new_value)
		*new_value = next;
	if (next != cur)
		ring_record(tl->page, next, now);
	if (count)
		page_kick(tl->page);
	local_end(tl);
	return 0;
}

static int soft_set_error(struct fw_timeline *base, int error)
{
	struct soft_timeline *tl = to_soft(base);
	int32_t expected = 0;

	if (error >= 0 || error < -4095)
		return -EINVAL;
	/* First error wins; a later one is not an error for the caller. */
	local_begin(tl);
	atomic_compare_exchange_strong(&tl->page->error, &expected, error);
	page_kick(tl->page);
	local_end(tl);
	return 0;
}

static int soft_query(struct fw_timeline *base, uint64_t *value)
{
	*value = page_value(to_soft(base)->page);
	return 0;
}

static int soft_get_error(struct fw_timeline *base)
{
	return soft_timeline_page_error(to_soft(base)->page);
}

static int soft_export_fd(struct fw_timeline *base)
{
	int fd = fcntl(to_soft(base)->fd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/*
 * Synchronous wait: straight on the wake word, no helper thread involved.
 * The word is read before the value, so a signal in between changes it and
 * the futex call returns at once.
 */
static int soft_wait(struct fw_timeline *base, uint64_t point,
		     int64_t timeout_ns)
{
	struct fw_soft_page *page = to_soft(base)->page;
	struct timespec deadline, *abs = NULL;
	int err;

	if (timeout_ns >= 0) {
		int64_t now = fw_now_ns();
		int64_t end = timeout_ns > INT64_MAX - now ? INT64_MAX
							   : now + timeout_ns;

		deadline.tv_sec = end / 1000000000;
		deadline.tv_nsec = end % 1000000000;
		abs = &deadline;
	}
	for (;;) {
		uint32_t w =
			atomic_load_explicit(&page->wake, memory_order_acquire);

		if (page_value(page) >= point)
			return 0;
		err = soft_timeline_page_error(page);
		if (err)
			return err;
		if (timeout_ns == 0)
			return -ETIME;
		err = fw_futex_wait(&page->wake, w, abs, true);
		if (err == -ETIMEDOUT)
			return -ETIME;
		/* 0, -EINTR: look again. */
	}
}

static void soft_destroy(struct fw_timeline *base)
{
	struct soft_timeline *tl = to_soft(base);

	pthread_mutex_lock(&registry_lock);
	if (tl->reg_prev)
		tl->reg_prev->reg_next = tl->reg_next;
	else if (registry == tl)
		registry = tl->reg_next;
	if (tl->reg_next)
		tl->reg_next->reg_prev = tl->reg_prev;
	pthread_mutex_unlock(&registry_lock);

	soft_watch_remove(tl);
	munmap(tl->page, FW_SOFT_PAGE_SIZE);
	close(tl->fd);
	free(tl->heap);
	pthread_cond_destroy(&tl->inflight_cond);
	pthread_mutex_destroy(&tl->lock);
	free(tl);
}

static const struct fw_timeline_ops soft_ops = {
	.backend = FW_BACKEND_SOFT,
	.export_fd = soft_export_fd,
	.signal = soft_signal,
	.set_error = soft_set_error,
	.query = soft_query,
	.get_error = soft_get_error,
	.point_fence = soft_point_fence,
	.wait = soft_wait,
	.destroy = soft_destroy,
};

/* ---- registry and fork ------------------------------------------------------ */

bool soft_timeline_get_unless_zero(struct soft_timeline *tl)
{
	int old = atomic_load(&tl->base.refcount);

	while (old > 0)
		if (atomic_compare_exchange_weak(&tl->base.refcount, &old,
						 old + 1))
			return true;
	return false;
}

/* Registry lock held.  A new reference, or NULL. */
static struct soft_timeline *registry_find(dev_t dev, ino_t ino)
{
	for (struct soft_timeline *tl = registry; tl; tl = tl->reg_next)
		if (tl->dev == dev && tl->ino == ino &&
		    soft_timeline_get_unless_zero(tl))
			return tl;
	return NULL;
}

/*
 * fork(): the child gets copies of every timeline but none of our threads.
 * Take every lock so the copies are consistent, then let the child forget
 * its watchers; a later wait in the child starts its own.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&registry_lock);
	for (struct soft_timeline *tl = registry; tl; tl = tl->reg_next)
		pthread_mutex_lock(&tl->lock);
	soft_watch_atfork_prepare();
}

static void atfork_parent(void)
{
	soft_watch_atfork_parent();
	for (struct soft_timeline *tl = registry; tl; tl = tl->reg_next)
		pthread_mutex_unlock(&tl->lock);
	pthread_mutex_unlock(&registry_lock);
}

static void atfork_child(void)
{
	soft_watch_atfork_child();
	for (struct soft_timeline *tl = registry; tl; tl = tl->reg_next) {
		/* Its watcher threads stayed in the parent. */
		atomic_store(&tl->helper, NULL);
		atomic_store(&tl->local_signalling, 0);
		tl->inflight = 0;
		pthread_cond_init(&tl->inflight_cond, NULL);
		if (tl->fb_running) {
			tl->fb_running = false;
			/* The reference the fallback thread held. */
			atomic_fetch_sub(&tl->base.refcount, 1);
		}
		pthread_mutex_unlock(&tl->lock);
	}
	pthread_mutex_unlock(&registry_lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/*
 * Add @tl to the registry unless another thread registered the same inode
 * first; then that one is returned (new reference) and @tl is not added.
 */
static struct soft_timeline *registry_add(struct soft_timeline *tl)
{
	struct soft_timeline *other;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&registry_lock);
	other = registry_find(tl->dev, tl->ino);
	if (!other) {
		tl->reg_prev = NULL;
		tl->reg_next = registry;
		if (registry)
			registry->reg_prev = tl;
		registry = tl;
	}
	pthread_mutex_unlock(&registry_lock);
	return other;
}

/* ---- constructors ----------------------------------------------------------- */

/* Build the object around an already-checked memfd and mapping (adopted). */
static int soft_wrap(int fd, struct fw_soft_page *page, const struct stat *st,
		     const char *name, struct fw_timeline **out)
{
	struct soft_timeline *tl = calloc(1, sizeof(*tl)), *other;
	int ret;

	if (!tl) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = fw_timeline_init(&tl->base, &soft_ops, name);
	if (ret < 0) {
		free(tl);
		goto fail;
	}
	tl->fd = fd;
	tl->page = page;
	tl->dev = st->st_dev;
	tl->ino = st->st_ino;
	pthread_mutex_init(&tl->lock, NULL);
	pthread_cond_init(&tl->inflight_cond, NULL);
	atomic_init(&tl->helper, NULL);
	atomic_init(&tl->local_signalling, 0);
	atomic_init(&tl->ring_waits, 0);
	atomic_init(&tl->npending, 0);
	atomic_init(&tl->nwatched, 0);
	atomic_init(&tl->min_point, UINT64_MAX);

	other = registry_add(tl);
	if (other) {
		/* Lost a race with another import of the same inode. */
		free(tl->base.name);
		pthread_cond_destroy(&tl->inflight_cond);
		pthread_mutex_destroy(&tl->lock);
		free(tl);
		munmap(page, FW_SOFT_PAGE_SIZE);
		close(fd);
		*out = &other->base;
		return 0;
	}
	*out = &tl->base;
	return 0;

fail:
	munmap(page, FW_SOFT_PAGE_SIZE);
	close(fd);
	return ret;
}

int fw_soft_timeline_create(const char *name, struct fw_timeline **out)
{
	struct fw_soft_page *page;
	struct stat st;
	int fd, ret;

	soft_watch_fallback(); /* latch the wait mode before any timeline */
	fd = memfd_create("fenceway-timeline", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, FW_SOFT_PAGE_SIZE) < 0 || fstat(fd, &st) < 0)
		goto fail_errno;
	page = mmap(NULL, FW_SOFT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (page == MAP_FAILED)
		goto fail_errno;
	page->magic = FW_SOFT_PAGE_MAGIC;
	page->version = FW_SOFT_PAGE_VERSION;
	page->size = FW_SOFT_PAGE_SIZE;
	page->flags = FW_SOFT_FLAG_SIGNAL_TIMES;
	page->ring.slots = FW_SOFT_RING_SLOTS;
	if (name)
		strncpy(page->name, name, FW_SOFT_NAME_LEN - 1);
	if (fcntl(fd, F_ADD_SEALS, FW_SOFT_REQUIRED_SEALS) < 0) {
		ret = -errno;
		munmap(page, FW_SOFT_PAGE_SIZE);
		close(fd);
		return ret;
	}
	return soft_wrap(fd, page, &st, name, out);

fail_errno:
	ret = -errno;
	close(fd);
	return ret;
}

/*
 * The checks that need no mapping: a memfd of exactly one page, sealed so
 * that nobody can change its size, and not write-sealed.
 */
static int check_fd(int fd, struct stat *st)
{
	int seals;

	if (fd < 0)
		return -EBADF;
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return -EINVAL; /* not a memfd (or not sealable) */
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EINVAL;
	if ((seals & FW_SOFT_REQUIRED_SEALS) != FW_SOFT_REQUIRED_SEALS)
		return -EPERM;
	if (st->st_size != FW_SOFT_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

static bool header_ok(const struct fw_soft_page *hdr)
{
	return hdr->magic == FW_SOFT_PAGE_MAGIC &&
	       hdr->version == FW_SOFT_PAGE_VERSION &&
	       hdr->size == FW_SOFT_PAGE_SIZE;
}

bool fw_soft_timeline_fd_is_soft(int fd)
{
	int saved = errno;
	struct fw_soft_page hdr;
	struct stat st;
	bool ok;

	ok = check_fd(fd, &st) == 0 &&
	     pread(fd, &hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	     header_ok(&hdr);
	errno = saved;
	return ok;
}

/* Copy the page's name, keeping only printable ASCII: it is peer data. */
static void page_name(const struct fw_soft_page *page, char *buf)
{
	size_t i;

	for (i = 0; i < FW_SOFT_NAME_LEN - 1; i++) {
		char c = page->name[i];

		if (c == '\0')
			break;
		buf[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	buf[i] = '\0';
}

int fw_soft_timeline_import(int fd, struct fw_timeline **out)
{
	struct soft_timeline *known;
	struct fw_soft_page *page;
	char name[FW_SOFT_NAME_LEN];
	struct stat st;
	int ret, flags, own;

	ret = check_fd(fd, &st);
	if (ret < 0)
		return ret;
	/*
	 * Before the inode lookup: the object it finds is writable, so a
	 * read-only fd of a timeline this process already has would
	 * otherwise be handed write power over it.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	if ((flags & O_ACCMODE) != O_RDWR)
		return -EACCES;

	pthread_mutex_lock(&registry_lock);
	known = registry_find(st.st_dev, st.st_ino);
	pthread_mutex_unlock(&registry_lock);
	if (known) {
		*out = &known->base;
		return 0;
	}

	soft_watch_fallback();
	page = mmap(NULL, FW_SOFT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (page == MAP_FAILED)
		return -errno;
	if (!header_ok(page)) {
		munmap(page, FW_SOFT_PAGE_SIZE);
		return -EINVAL;
	}
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0) {
		ret = -errno;
		munmap(page, FW_SOFT_PAGE_SIZE);
		return ret;
	}
	page_name(page, name);
	return soft_wrap(own, page, &st, name, out);
}

/* ---- for the compat layer --------------------------------------------------- */

struct fw_timeline *fw_soft_timeline_lookup_fd(int fd)
{
	struct soft_timeline *tl;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		errno = EBADF;
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	tl = registry_find(st.st_dev, st.st_ino);
	pthread_mutex_unlock(&registry_lock);
	if (!tl) {
		errno = ENOENT;
		return NULL;
	}
	return &tl->base;
}

int fw_soft_timeline_inode(const struct fw_timeline *tl, dev_t *dev, ino_t *ino)
{
	if (!fw_timeline_is_soft(tl))
		return -EINVAL;
	if (dev)
		*dev = ((const struct soft_timeline *)tl)->dev;
	if (ino)
		*ino = ((const struct soft_timeline *)tl)->ino;
	return 0;
}

int fw_soft_timeline_fail_local(struct fw_timeline *tl, int error)
{
	if (!fw_timeline_is_soft(tl) || error >= 0)
		return -EINVAL;
	return process(to_soft(tl), error, true);
}

int fw_soft_timeline_fail_local_by_fd(int fd, int error)
{
	struct fw_timeline *tl;
	int ret;

	if (error >= 0)
		return -EINVAL;
	tl = fw_soft_timeline_lookup_fd(fd);
	if (!tl)
		return errno == ENOENT ? 0 : -errno;
	ret = fw_soft_timeline_fail_local(tl, error);
	fw_timeline_put(tl);
	return ret;
}

int fw_sync_debug_start_threads(void)
{
	return soft_watch_start();
}

int fw_sync_debug_quiesce(int64_t timeout_ns)
{
	return soft_watch_quiesce(timeout_ns);
}
