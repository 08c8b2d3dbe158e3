/*
 * trace.c - per-thread rings of fence events (fenceway/trace.h).
 *
 * Each recording thread owns one ring: it is the only writer of the ring's
 * head, the (single, serialised) drain the only writer of its tail, so a
 * record is a handful of stores and one release, with no lock.  The rings
 * sit in one list under rings_lock, which only ring creation (once per
 * thread), thread exit and drains take.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "fence_impl.h"
#include "trace_impl.h"

struct trace_ring {
	_Atomic uint64_t head;	  /* events written; owner thread only */
	_Atomic uint64_t tail;	  /* events drained; drain only */
	_Atomic uint64_t dropped; /* events lost to a full ring */
	uint64_t mask;		  /* capacity - 1, a power of two */
	uint32_t tid;
	atomic_bool orphan;	 /* its thread has exited */
	struct trace_ring *next; /* rings_lock */
	struct fw_trace_event events[];
};

atomic_bool fw_trace_on;

static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_ring *rings;
static _Atomic size_t ring_capacity;
static _Atomic uint64_t next_seq = 1;
static _Atomic uint64_t next_fence_id = 1;
/* Events lost because a thread's ring could not be allocated. */
static _Atomic uint64_t lost;

static __thread struct trace_ring *my_ring;
static pthread_key_t exit_key;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

/* Thread exit: the ring stays for the drain, which frees it once empty. */
static void thread_exit(void *ring)
{
	atomic_store(&((struct trace_ring *)ring)->orphan, true);
	/* A later event (another destructor's) gets a fresh ring. */
	my_ring = NULL;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&rings_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&rings_lock);
}

/* Only the forking thread lives on: every other ring has no writer now. */
static void atfork_child(void)
{
	for (struct trace_ring *r = rings; r; r = r->next)
		if (r != my_ring)
			atomic_store(&r->orphan, true);
	pthread_mutex_unlock(&rings_lock);
}

static void setup(void)
{
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static struct trace_ring *ring_create(void)
{
	size_t cap = atomic_load(&ring_capacity);
	struct trace_ring *r;

	pthread_once(&setup_once, setup);
	r = calloc(1, sizeof(*r) + cap * sizeof(r->events[0]));
	if (!r)
		return NULL;
	/*
	 * Touch every page now: a large calloc hands out memory the kernel
	 * maps on first write, and a page fault in the middle of recording is
	 * what an event must not cost.  Volatile, or the compiler drops the
	 * stores as writing zeros over calloc's zeros.
	 */
	for (size_t off = 0; off < cap * sizeof(r->events[0]); off += 4096)
		((volatile char *)r->events)[off] = 0;
	r->mask = cap - 1;
	r->tid = (uint32_t)syscall(SYS_gettid);
	pthread_setspecific(exit_key, r);
	pthread_mutex_lock(&rings_lock);
	r->next = rings;
	rings = r;
	pthread_mutex_unlock(&rings_lock);
	return r;
}

static uint64_t fence_id(struct fw_fence *fence)
{
	uint64_t id =
		atomic_load_explicit(&fence->trace_id, memory_order_relaxed);
	uint64_t fresh;

	if (id)
		return id;
	/* First event of this fence: two threads may race, one id wins. */
	fresh = atomic_fetch_add_explicit(&next_fence_id, 1,
					  memory_order_relaxed);
	if (atomic_compare_exchange_strong(&fence->trace_id, &id, fresh))
		return fresh;
	return id;
}

void fw_trace_record(uint32_t type, struct fw_fence *fence, int32_t arg)
{
	struct trace_ring *r = my_ring;
	struct fw_trace_event *ev;
	uint64_t head;

	if (!r) {
		r = my_ring = ring_create();
		if (!r) {
			atomic_fetch_add_explicit(&lost, 1,
						  memory_order_relaxed);
			return;
		}
	}
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (head - atomic_load_explicit(&r->tail, memory_order_acquire) >
	    r->mask) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return;
	}
	ev = &r->events[head & r->mask];
	ev->seq = atomic_fetch_add_explicit(&next_seq, 1, memory_order_relaxed);
	ev->time_ns = fw_now_ns();
	ev->fence_id = fence_id(fence);
	ev->context = fence->context;
	ev->seqno = fence->seqno;
	ev->driver = fw_fence_driver_name(fence);
	ev->type = type;
	ev->tid = r->tid;
	ev->status = 0;
	ev->wait = 0;
	ev->signal_ns = 0;
	ev->producer_ns = 0;
	ev->timeline[0] = '\0';
	switch (type) {
	case FW_TRACE_FENCE_CREATED:
	case FW_TRACE_FENCE_IMPORTED:
		strncpy(ev->timeline, fw_fence_timeline_name(fence),
			sizeof(ev->timeline) - 1);
		ev->timeline[sizeof(ev->timeline) - 1] = '\0';
		break;
	case FW_TRACE_WAIT_STARTED:
		ev->wait = (uint32_t)arg;
		break;
	case FW_TRACE_FENCE_SIGNALED:
		ev->status = arg;
		ev->signal_ns = fence->timestamp_ns;
		ev->producer_ns = fence->producer_ns;
		break;
	}
	/* Publish: the drain reads the slot only after seeing this head. */
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

static size_t round_up_pow2(size_t n)
{
	size_t p = 2;

	while (p < n && p <= SIZE_MAX / 2)
		p *= 2;
	return p;
}

int fw_trace_enable(size_t events_per_thread)
{
	if (events_per_thread == 0 ||
	    events_per_thread > SIZE_MAX / 2 / sizeof(struct fw_trace_event))
		return -EINVAL;
	atomic_store(&ring_capacity, round_up_pow2(events_per_thread));
	if (!my_ring) {
		my_ring = ring_create();
		if (!my_ring)
			return -ENOMEM;
	}
	atomic_store(&fw_trace_on, true);
	return 0;
}

void fw_trace_disable(void)
{
	atomic_store(&fw_trace_on, false);
}

bool fw_trace_enabled(void)
{
	return atomic_load(&fw_trace_on);
}

/* rings_lock held: free the rings of exited threads that are drained. */
static void reap_orphans(void)
{
	struct trace_ring **link = &rings, *r;

	while ((r = *link)) {
		if (atomic_load(&r->orphan) &&
		    atomic_load(&r->head) == atomic_load(&r->tail)) {
			*link = r->next;
			free(r);
		} else {
			link = &r->next;
		}
	}
}

size_t fw_trace_drain(struct fw_trace_event *out, size_t max, uint64_t *dropped)
{
	uint64_t lost_now = 0;
	size_t n = 0;

	pthread_mutex_lock(&rings_lock);
	/* A k-way merge on seq: few threads record, so a scan is enough. */
	while (n < max) {
		struct trace_ring *best = NULL;
		uint64_t best_seq = UINT64_MAX, slot;

		for (struct trace_ring *r = rings; r; r = r->next) {
			uint64_t tail = atomic_load_explicit(
				&r->tail, memory_order_relaxed);

			if (tail == atomic_load_explicit(&r->head,
							 memory_order_acquire))
				continue;
			if (r->events[tail & r->mask].seq < best_seq) {
				best_seq = r->events[tail & r->mask].seq;
				best = r;
			}
		}
		if (!best)
			break;
		slot = atomic_load_explicit(&best->tail, memory_order_relaxed);
		out[n++] = best->events[slot & best->mask];
		/* The slot is the owner's again once the tail passes it. */
		atomic_store_explicit(&best->tail, slot + 1,
				      memory_order_release);
	}
	for (struct trace_ring *r = rings; r; r = r->next)
		lost_now += atomic_exchange(&r->dropped, 0);
	lost_now += atomic_exchange(&lost, 0);
	reap_orphans();
	pthread_mutex_unlock(&rings_lock);
	if (dropped)
		*dropped = lost_now;
	return n;
}

const char *fw_trace_type_name(uint32_t type)
{
	switch (type) {
	case FW_TRACE_FENCE_CREATED:
		return "created";
	case FW_TRACE_FENCE_IMPORTED:
		return "imported";
	case FW_TRACE_WAIT_STARTED:
		return "wait";
	case FW_TRACE_FENCE_SIGNALED:
		return "signaled";
	case FW_TRACE_FENCE_DESTROYED:
		return "destroyed";
	}
	return "?";
}
