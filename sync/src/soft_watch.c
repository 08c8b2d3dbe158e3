/*
 * soft_watch.c - noticing other processes' signals on soft timelines.
 *
 * A peer that signals a shared timeline bumps the page's wake word and
 * FUTEX_WAKEs it; somebody in this process must be asleep on that word to
 * signal our fences.  Futexes are not pollable, so library threads do it:
 *
 *  - default: helper threads, each asleep in futex_waitv() on up to
 *    HELPER_SLOTS timelines' wake words plus one private control word
 *    (futex_waitv takes at most 128; fewer wake faster, see below).  A
 *    helper is told about a new timeline by bumping its control word.
 *    More timelines, more helpers.  A helper left watching nothing sleeps
 *    with a timeout (helper_idle_ns) and exits when it expires, so the
 *    thread count falls back when timelines go away.
 *    Helpers watch only timelines with points somebody enabled signaling
 *    on (nwatched): an event loop with an io_uring waits without doing so
 *    (loop.c), so a timeline only such loops wait on costs the helpers
 *    nothing, not even a wake-up per signal.  A timeline that both a loop
 *    and another waiter watch is the loop's to process first: a helper
 *    that finds it due while ring_waits are armed leaves it alone for
 *    RING_GRACE_NS, so it does not race the loop's dispatch for the same
 *    points, and processes it only if the loop has not by then.
 *  - fallback (FENCEWAY_SYNC_FORCE_FALLBACK=1, fw_sync_force_fallback(), or
 *    automatically where futex_waitv is ENOSYS, e.g. under valgrind): one
 *    thread per timeline that has watched points, in plain FUTEX_WAIT; it
 *    exits once none is left.
 *
 * Either way nothing runs while nothing signals: no timers, no polling.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fd_watch.h"
#include "futex.h"
#include "soft_timeline_impl.h"

/*
 * Timelines per helper (plus its control word).  futex_waitv takes up to
 * 128 words, but a call costs the kernel work for every word on the way in
 * and out, and the helper's wake-up latency grows with it: measured here
 * (bench/bench-sync, a cross-process signal to a dispatched fw_loop
 * callback, the timeline in a full helper) p50 went from 6.0 µs with 10
 * waits to 9.3-12.9 µs with 127 timelines per helper, 6.8-7.0 µs with 15.
 * So: small helpers, more threads (67 for the 1,000-timeline scale target;
 * idle ones cost no CPU).
 */
#define HELPER_SLOTS 15
#define HELPER_STACK (256 * 1024) /* callbacks run on it */
/*
 * How long a helper defers to an event loop (see above).  Long against a
 * dispatch that is on its way (microseconds), short enough that a fence
 * waited elsewhere in the process is not held up noticeably when the
 * loop's thread is busy.
 */
#define RING_GRACE_NS 10000000LL
/* A helper watching nothing exits after this long (tests shorten it). */
static int64_t helper_idle_ns = 5000000000LL;

struct soft_helper {
	struct soft_helper *next;
	_Atomic uint32_t ctl; /* private futex word: "look again" */
	int n;		      /* timelines watched; watch lock */
	struct soft_timeline *tls[HELPER_SLOTS]; /* weak; watch lock */
	int64_t deadline; /* end of a grace period, or 0; watch lock */
	struct futex_waitv wv[HELPER_SLOTS + 1]; /* helper thread only */
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static struct soft_helper *helpers;
static int fallback_threads; /* running fallback threads */
static int helpers_busy;     /* helpers holding timeline refs */

/* Wait mode: decided once, before the first timeline exists. */
static atomic_int mode = -1; /* -1 undecided, 0 waitv, 1 fallback */
static bool fallback_requested;

static bool futex_waitv_works(void)
{
	uint32_t word = 0;
	struct futex_waitv w = {
		.val = 1, /* differs from word: returns EAGAIN at once */
		.uaddr = (uintptr_t)&word,
		.flags = FUTEX_32 | FUTEX_PRIVATE_FLAG,
	};

	return fw_futex_waitv(&w, 1, NULL) < 0 && errno == EAGAIN;
}

bool soft_watch_fallback(void)
{
	int m = atomic_load(&mode);
	bool fb;

	/* Decided once; after that no lock on this hot path. */
	if (m >= 0)
		return m == 1;
	pthread_mutex_lock(&watch_lock);
	if (mode < 0) {
		const char *env = getenv("FENCEWAY_SYNC_FORCE_FALLBACK");
		int saved = errno;

		fb = fallback_requested || (env && strcmp(env, "1") == 0) ||
		     !futex_waitv_works();
		errno = saved;
		mode = fb ? 1 : 0;
	}
	fb = mode == 1;
	pthread_mutex_unlock(&watch_lock);
	return fb;
}

int fw_sync_force_fallback(bool force)
{
	int ret = 0;

	pthread_mutex_lock(&watch_lock);
	if (mode >= 0)
		ret = (mode == 1) == force ? 0 : -EBUSY;
	else
		fallback_requested = force;
	pthread_mutex_unlock(&watch_lock);
	return ret;
}

bool fw_sync_using_fallback(void)
{
	return soft_watch_fallback();
}

/* ---- futex_waitv helpers ----------------------------------------------------- */

static void helper_kick(struct soft_helper *h)
{
	atomic_fetch_add(&h->ctl, 1);
	fw_futex_wake(&h->ctl, false);
}

/*
 * Watch lock held.  Is @tl, which is due, an event loop's to process for
 * now?  Starts or continues its grace period, and keeps the helper's
 * deadline at the earliest end of one.
 */
static bool helper_defers(struct soft_helper *h, struct soft_timeline *tl)
{
	int64_t now, end;

	if (atomic_load(&tl->ring_waits) == 0) {
		tl->ring_defer_since = 0;
		return false;
	}
	/*
	 * The grace period runs while the same lowest point stays due: once
	 * the loop pops it, a later signal starts a new one.
	 */
	now = fw_now_ns();
	if (!tl->ring_defer_since ||
	    tl->ring_defer_point != atomic_load(&tl->min_point)) {
		tl->ring_defer_since = now;
		tl->ring_defer_point = atomic_load(&tl->min_point);
	}
	end = tl->ring_defer_since + RING_GRACE_NS;
	if (now >= end) {
		tl->ring_defer_since = 0;
		return false;
	}
	if (!h->deadline || end < h->deadline)
		h->deadline = end;
	return true;
}

/*
 * Watch lock held.  Snapshot entry @i's wake word and, if the page shows
 * something for us, take a reference for the caller to process.  The word
 * is read before the value: a signal in between changes it, and
 * futex_waitv then returns at once.
 */
static bool helper_arm(struct soft_helper *h, int i,
		       struct soft_timeline **todo)
{
	struct soft_timeline *tl = h->tls[i];

	h->wv[1 + i] = (struct futex_waitv){
		.val = atomic_load(&tl->page->wake),
		.uaddr = (uintptr_t)&tl->page->wake,
		.flags = FUTEX_32, /* shared: it is a MAP_SHARED page */
	};
	if (!soft_timeline_due_for_watcher(tl)) {
		tl->ring_defer_since = 0;
		return false;
	}
	if (!helper_defers(h, tl) && soft_timeline_get_unless_zero(tl)) {
		*todo = tl;
		return true;
	}
	return false;
}

/*
 * Watch lock held.  Rebuild the whole wait vector: after a membership
 * change (control word), or when futex_waitv could not tell which word
 * moved (EAGAIN).  Timelines with nothing pending are dropped here, and
 * only here, so a timeline that is waited on over and over stays put and
 * costs no rebuild per wait.
 */
static int helper_rebuild(struct soft_helper *h, struct soft_timeline **todo)
{
	int k = 0, i = 0;

	h->deadline = 0;
	h->wv[0] = (struct futex_waitv){
		.val = atomic_load(&h->ctl),
		.uaddr = (uintptr_t)&h->ctl,
		.flags = FUTEX_32 | FUTEX_PRIVATE_FLAG,
	};
	while (i < h->n) {
		struct soft_timeline *tl = h->tls[i];

		if (atomic_load(&tl->nwatched) == 0) {
			atomic_store(&tl->helper, NULL);
			/*
			 * soft_watch_add's fast path counts a watched point,
			 * then reads helper without the lock: if it saw us, we
			 * see its count here (both seq_cst) and keep watching.
			 */
			if (atomic_load(&tl->nwatched) == 0) {
				h->tls[i] = h->tls[--h->n];
				continue;
			}
			atomic_store(&tl->helper, h);
		}
		k += helper_arm(h, i, &todo[k]);
		i++;
	}
	return k;
}

/* Watch lock held.  A helper that watched nothing for its idle time. */
static void helper_retire(struct soft_helper *h)
{
	struct soft_helper **p = &helpers;

	while (*p != h)
		p = &(*p)->next;
	*p = h->next;
	free(h);
}

static struct timespec ns_to_timespec(int64_t ns)
{
	return (struct timespec){ns / 1000000000, ns % 1000000000};
}

static void *helper_main(void *arg)
{
	struct soft_helper *h = arg;
	struct soft_timeline *todo[HELPER_SLOTS];
	long woke = -1; /* entry futex_waitv returned; -1: rebuild all */
	long last = -1; /* the entry that woke us last time */
	bool retried = false;

	fw_library_thread = true;
	pthread_mutex_lock(&watch_lock);
	for (;;) {
		struct timespec until;
		bool idle, timed;
		int k, n;

		/*
		 * One word woke us: only its entry needs a new snapshot, so a
		 * signal costs the same whether we watch 1 timeline or many.
		 * The others' snapshots stay valid: if one of them moved
		 * meanwhile, futex_waitv fails with EAGAIN and we rebuild.
		 */
		if (woke >= 1 && woke <= h->n)
			k = helper_arm(h, woke - 1, todo);
		else
			k = helper_rebuild(h, todo);
		if (k) {
			/* Counted, so quiesce knows our puts are done. */
			helpers_busy++;
			pthread_mutex_unlock(&watch_lock);
			for (int i = 0; i < k; i++) {
				soft_timeline_process(todo[i]);
				/* Emptied: let the rebuild drop it. */
				if (atomic_load(&todo[i]->nwatched) == 0)
					woke = -1;
				fw_timeline_put(&todo[i]->base);
			}
			pthread_mutex_lock(&watch_lock);
			helpers_busy--;
			pthread_cond_broadcast(&watch_cond);
			/* Re-arm what we processed: the same entry, or all. */
			if (k > 1)
				woke = -1;
			continue;
		}
		n = 1 + h->n;
		/*
		 * A timeout only while idle or deferring to a loop: a helper
		 * that watches something sleeps until a word moves.
		 */
		idle = h->n == 0;
		if (idle)
			until = ns_to_timespec(fw_now_ns() + helper_idle_ns);
		else if (h->deadline)
			until = ns_to_timespec(h->deadline);
		timed = idle || h->deadline;
		pthread_mutex_unlock(&watch_lock);
		/*
		 * EAGAIN: a word changed since we read it; EFAULT: a timeline
		 * went away under us (its removal also bumped ctl).  Either way,
		 * rebuild.  Anything else would repeat forever; back off so that
		 * a broken kernel costs a little latency, not a CPU.
		 */
		woke = fw_futex_waitv(h->wv, n, timed ? &until : NULL);
		if (woke < 0 && errno == ETIMEDOUT) {
			pthread_mutex_lock(&watch_lock);
			if (idle && h->n == 0) {
				helper_retire(h);
				pthread_mutex_unlock(&watch_lock);
				return NULL;
			}
			woke = -1; /* a grace period ended: look at all */
			continue;
		}
		if (woke >= 0) {
			last = woke;
			retried = false;
		} else if (errno == EAGAIN && !retried && last >= 1) {
			/*
			 * Some word moved before we slept.  Most likely the one
			 * that woke us last (a timeline signalled in a tight
			 * loop): re-arm just that one once before paying for a
			 * rebuild that touches every page we watch.
			 */
			woke = last;
			retried = true;
		} else {
			retried = false;
			if (errno != EAGAIN && errno != EINTR &&
			    errno != EFAULT) {
				struct timespec ts = {0, 1000000};

				nanosleep(&ts, NULL);
			}
		}
		pthread_mutex_lock(&watch_lock);
	}
	return NULL;
}

/* Watch lock held.  A helper with a free slot, started if need be. */
static struct soft_helper *helper_with_room(void)
{
	struct soft_helper *h;
	pthread_attr_t attr;
	pthread_t thread;
	int ret;

	for (h = helpers; h; h = h->next)
		if (h->n < HELPER_SLOTS)
			return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, HELPER_STACK);
	ret = pthread_create(&thread, &attr, helper_main, h);
	pthread_attr_destroy(&attr);
	if (ret) {
		free(h);
		return NULL;
	}
	h->next = helpers;
	helpers = h;
	return h;
}

/* ---- fallback threads ---------------------------------------------------------- */

static void *fallback_main(void *arg)
{
	struct soft_timeline *tl = arg;

	fw_library_thread = true;
	for (;;) {
		uint32_t w = atomic_load(&tl->page->wake);

		pthread_mutex_lock(&tl->lock);
		if (tl->heap_watched == 0) {
			tl->fb_running = false;
			pthread_mutex_unlock(&tl->lock);
			break;
		}
		pthread_mutex_unlock(&tl->lock);
		if (soft_timeline_due_for_watcher(tl)) {
			soft_timeline_process(tl);
			continue;
		}
		fw_futex_wait(&tl->page->wake, w, NULL, true);
	}
	/* Drop the timeline first, so quiesce means "memfd closed". */
	fw_timeline_put(&tl->base);
	pthread_mutex_lock(&watch_lock);
	fallback_threads--;
	pthread_cond_broadcast(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

static void fallback_add(struct soft_timeline *tl)
{
	pthread_attr_t attr;
	pthread_t thread;
	bool start;

	pthread_mutex_lock(&tl->lock);
	start = !tl->fb_running && tl->heap_watched > 0;
	if (start)
		tl->fb_running = true;
	pthread_mutex_unlock(&tl->lock);
	if (!start)
		return;

	fw_timeline_get(&tl->base); /* the thread's reference */
	pthread_mutex_lock(&watch_lock);
	fallback_threads++;
	pthread_mutex_unlock(&watch_lock);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, HELPER_STACK);
	if (pthread_create(&thread, &attr, fallback_main, tl) != 0) {
		/* Local signals still work; remote ones wait for a retry. */
		pthread_mutex_lock(&tl->lock);
		tl->fb_running = false;
		pthread_mutex_unlock(&tl->lock);
		pthread_mutex_lock(&watch_lock);
		fallback_threads--;
		pthread_cond_broadcast(&watch_cond);
		pthread_mutex_unlock(&watch_lock);
		fw_timeline_put(&tl->base);
	}
	pthread_attr_destroy(&attr);
}

/* ---- the interface to soft_timeline.c ------------------------------------------ */

void soft_watch_add(struct soft_timeline *tl)
{
	struct soft_helper *h;

	if (soft_watch_fallback()) {
		fallback_add(tl);
		return;
	}
	/* Fast path: watched already (see helper_rebuild for the race). */
	if (atomic_load(&tl->helper))
		return;
	pthread_mutex_lock(&watch_lock);
	if (!atomic_load(&tl->helper)) {
		h = helper_with_room();
		if (h) {
			h->tls[h->n++] = tl;
			atomic_store(&tl->helper, h);
			helper_kick(h);
		}
	}
	pthread_mutex_unlock(&watch_lock);
}

void soft_watch_emptied(struct soft_timeline *tl)
{
	/*
	 * A fallback thread sleeps on the shared word; nothing but a change
	 * of it wakes the thread so it can exit.  Peers' waiters see one
	 * spurious wake-up, which the protocol allows.  Helpers drop the
	 * timeline lazily: it costs them nothing but a slot.
	 */
	if (mode == 1) {
		atomic_fetch_add(&tl->page->wake, 1);
		fw_futex_wake(&tl->page->wake, true);
	}
}

void soft_watch_recheck(struct soft_timeline *tl)
{
	struct soft_helper *h;

	pthread_mutex_lock(&watch_lock);
	h = atomic_load(&tl->helper);
	if (h) {
		tl->ring_defer_since = 0;
		helper_kick(h);
	}
	pthread_mutex_unlock(&watch_lock);
}

void soft_watch_remove(struct soft_timeline *tl)
{
	struct soft_helper *h;

	pthread_mutex_lock(&watch_lock);
	h = atomic_load(&tl->helper);
	if (h) {
		for (int i = 0; i < h->n; i++) {
			if (h->tls[i] == tl) {
				h->tls[i] = h->tls[--h->n];
				break;
			}
		}
		atomic_store(&tl->helper, NULL);
		/* It may sleep on the word we are about to unmap. */
		helper_kick(h);
	}
	pthread_mutex_unlock(&watch_lock);
}

void soft_watch_atfork_prepare(void)
{
	pthread_mutex_lock(&watch_lock);
}

void soft_watch_atfork_parent(void)
{
	pthread_mutex_unlock(&watch_lock);
}

void soft_watch_atfork_child(void)
{
	struct soft_helper *h;

	/* The threads stayed in the parent; so do their helpers. */
	while ((h = helpers)) {
		helpers = h->next;
		free(h);
	}
	fallback_threads = 0;
	helpers_busy = 0;
	pthread_cond_init(&watch_cond, NULL);
	pthread_mutex_unlock(&watch_lock);
}

int soft_watch_start(void)
{
	int ret = fw_fd_watch_start();

	if (ret < 0)
		return ret;
	if (soft_watch_fallback())
		return 0;
	pthread_mutex_lock(&watch_lock);
	ret = helper_with_room() ? 0 : -EAGAIN;
	pthread_mutex_unlock(&watch_lock);
	return ret;
}

void soft_watch_set_helper_idle(int64_t ns)
{
	pthread_mutex_lock(&watch_lock);
	helper_idle_ns = ns;
	pthread_mutex_unlock(&watch_lock);
}

int soft_watch_quiesce(int64_t timeout_ns)
{
	int64_t end = fw_now_ns() + timeout_ns;
	struct timespec ts = {end / 1000000000, end % 1000000000};
	int ret = 0;

	pthread_mutex_lock(&watch_lock);
	while ((fallback_threads > 0 || helpers_busy > 0) && ret == 0) {
		/* watch_cond uses CLOCK_REALTIME: re-check our own clock. */
		struct timespec rt;
		int64_t left = end - fw_now_ns();

		if (left <= 0) {
			ret = -ETIME;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &rt);
		left = left > 100000000 ? 100000000 : left;
		ts.tv_sec = rt.tv_sec + (rt.tv_nsec + left) / 1000000000;
		ts.tv_nsec = (rt.tv_nsec + left) % 1000000000;
		pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
	}
	pthread_mutex_unlock(&watch_lock);
	return ret;
}
