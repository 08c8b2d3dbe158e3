/*
 * test-fence.c - the fence core and merges (fence.c, fence_merge.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/fence.h>

#include "testlib.h"

struct counted_cb {
	struct fw_fence_cb cb;
	int runs;
	int order;
	int status_seen;
};

static atomic_int order_counter;

static void count_cb(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct counted_cb *c = (struct counted_cb *)cb;

	c->runs++;
	c->order = ++order_counter;
	c->status_seen = fw_fence_get_status(fence);
}

static void test_context_alloc(void)
{
	uint64_t a = fw_fence_context_alloc(1);
	uint64_t b = fw_fence_context_alloc(3);
	uint64_t c = fw_fence_context_alloc(1);

	CHECK(b >= a + 1);
	CHECK(c >= b + 3);
}

static void test_create_basics(void)
{
	struct fw_fence *f = fw_fence_create(42, 7, "tl-name");

	CHECK(f);
	CHECK_EQ(fw_fence_context(f), 42);
	CHECK_EQ(fw_fence_seqno(f), 7);
	CHECK(strcmp(fw_fence_timeline_name(f), "tl-name") == 0);
	CHECK(strcmp(fw_fence_driver_name(f), "fenceway") == 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	CHECK(!fw_fence_is_signaled(f));
	CHECK_EQ(fw_fence_timestamp(f), 0);
	CHECK_EQ(fw_fence_num_points(f), 1);
	CHECK(fw_fence_point(f, 0) == f);
	CHECK(fw_fence_point(f, 1) == NULL);

	/* get/put balance: the extra ref keeps it alive after one put. */
	CHECK(fw_fence_get(f) == f);
	fw_fence_put(f);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	fw_fence_put(f);

	/* NULL is tolerated where the header says so. */
	CHECK(fw_fence_get(NULL) == NULL);
	fw_fence_put(NULL);
	CHECK_EQ(fw_fence_signal(NULL, 0), -EINVAL);

	f = fw_fence_create(1, 1, NULL);
	CHECK(f);
	CHECK(strcmp(fw_fence_timeline_name(f), "") == 0);
	fw_fence_put(f);
}

static void test_signal(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct fw_fence *g = fw_fence_create(1, 2, "x");

	CHECK_EQ(fw_fence_signal(f, 5), -EINVAL);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	CHECK_EQ(fw_fence_signal(f, 0), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK(fw_fence_is_signaled(f));
	CHECK(fw_fence_timestamp(f) > 0);
	/* First status wins. */
	CHECK_EQ(fw_fence_signal(f, -EIO), -EALREADY);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);

	CHECK_EQ(fw_fence_signal(g, -ECANCELED), 0);
	CHECK_EQ(fw_fence_get_status(g), -ECANCELED);
	CHECK(fw_fence_is_signaled(g));
	CHECK_EQ(fw_fence_signal(g, 0), -EALREADY);
	CHECK_EQ(fw_fence_get_status(g), -ECANCELED);
	fw_fence_put(f);
	fw_fence_put(g);
}

static void test_callbacks(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct counted_cb a = { 0 }, b = { 0 }, c = { 0 }, late = { 0 };

	CHECK_EQ(fw_fence_add_callback(NULL, &a.cb, count_cb), -EINVAL);
	CHECK_EQ(fw_fence_add_callback(f, NULL, count_cb), -EINVAL);
	CHECK_EQ(fw_fence_add_callback(f, &a.cb, NULL), -EINVAL);

	CHECK_EQ(fw_fence_add_callback(f, &a.cb, count_cb), 0);
	CHECK_EQ(fw_fence_add_callback(f, &b.cb, count_cb), 0);
	CHECK_EQ(fw_fence_add_callback(f, &c.cb, count_cb), 0);
	/* Removed before running: true, and it never runs. */
	CHECK(fw_fence_remove_callback(f, &b.cb));
	CHECK(!fw_fence_remove_callback(f, &b.cb));
	CHECK_EQ(a.runs + b.runs + c.runs, 0);

	CHECK_EQ(fw_fence_signal(f, -EPIPE), 0);
	CHECK_EQ(a.runs, 1);
	CHECK_EQ(b.runs, 0);
	CHECK_EQ(c.runs, 1);
	/* In the order added; the status is visible inside the callback. */
	CHECK(a.order < c.order);
	CHECK_EQ(a.status_seen, -EPIPE);

	/* Signalling again runs nothing again. */
	CHECK_EQ(fw_fence_signal(f, 0), -EALREADY);
	CHECK_EQ(a.runs, 1);
	/* Too late to add: -ENOENT and never called. */
	CHECK_EQ(fw_fence_add_callback(f, &late.cb, count_cb), -ENOENT);
	CHECK_EQ(late.runs, 0);
	/* Removing one that ran: false. */
	CHECK(!fw_fence_remove_callback(f, &a.cb));
	fw_fence_put(f);
}

/* A callback that drops the last reference of its own fence is fine. */
static void put_cb(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	fw_fence_put(fence);
}

static void test_callback_drops_ref(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct fw_fence_cb cb;

	CHECK_EQ(fw_fence_add_callback(f, &cb, put_cb), 0);
	fw_fence_get(f);            /* the signaller's reference */
	CHECK_EQ(fw_fence_signal(f, 0), 0);
	fw_fence_put(f);            /* freed here; ASan checks the rest */
}

/* A callback that removes a sibling callback must not deadlock. */
struct sibling {
	struct fw_fence_cb cb;
	struct fw_fence_cb *other;
	bool removed;
};

static void remove_sibling_cb(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct sibling *s = (struct sibling *)cb;

	s->removed = fw_fence_remove_callback(fence, s->other);
}

static void test_remove_from_callback(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct sibling s = { 0 };
	struct counted_cb other = { 0 };

	s.other = &other.cb;
	CHECK_EQ(fw_fence_add_callback(f, &s.cb, remove_sibling_cb), 0);
	CHECK_EQ(fw_fence_add_callback(f, &other.cb, count_cb), 0);
	CHECK_EQ(fw_fence_signal(f, 0), 0);
	/* Already detached for running: false, and it still ran. */
	CHECK(!s.removed);
	CHECK_EQ(other.runs, 1);
	fw_fence_put(f);
}

/*
 * remove_callback returning false must wait for a callback that is running
 * in another thread: the callback blocks until told to go on, and the
 * remover must not return before it has finished.
 */
struct slow_cb {
	struct fw_fence_cb cb;
	atomic_int entered;
	atomic_int release;
	atomic_int finished;
};

static void slow_callback(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct slow_cb *s = (struct slow_cb *)cb;

	atomic_store(&s->entered, 1);
	while (!atomic_load(&s->release))
		usleep(1000);
	atomic_store(&s->finished, 1);
}

static void *signal_thread(void *arg)
{
	fw_fence_signal(arg, 0);
	return NULL;
}

struct remover {
	struct fw_fence *fence;
	struct slow_cb *cb;
	atomic_int done;
	bool result;
	int finished_at_return;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->result = fw_fence_remove_callback(r->fence, &r->cb->cb);
	r->finished_at_return = atomic_load(&r->cb->finished);
	atomic_store(&r->done, 1);
	return NULL;
}

static void test_remove_waits_for_running(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct slow_cb s = { 0 };
	struct remover r = { .fence = f, .cb = &s };
	pthread_t sig, rem;

	CHECK_EQ(fw_fence_add_callback(f, &s.cb, slow_callback), 0);
	CHECK_EQ(pthread_create(&sig, NULL, signal_thread, f), 0);
	while (!atomic_load(&s.entered))
		usleep(1000);
	CHECK_EQ(pthread_create(&rem, NULL, remove_thread, &r), 0);
	/* Give the remover every chance to return early (it must not). */
	usleep(20000);
	CHECK(!atomic_load(&r.done));
	atomic_store(&s.release, 1);
	pthread_join(rem, NULL);
	pthread_join(sig, NULL);
	CHECK(!r.result);
	CHECK_EQ(r.finished_at_return, 1);
	fw_fence_put(f);
}

static void *delayed_signal(void *arg)
{
	usleep(10000);
	fw_fence_signal(arg, -ETIMEDOUT);
	return NULL;
}

static void test_wait(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	pthread_t t;

	CHECK_EQ(fw_fence_wait(NULL, 0), -EINVAL);
	CHECK_EQ(fw_fence_wait(f, 0), -ETIME);
	CHECK_EQ(fw_fence_wait(f, 1000000), -ETIME);
	CHECK_EQ(pthread_create(&t, NULL, delayed_signal, f), 0);
	CHECK_EQ(fw_fence_wait(f, -1), 0);
	CHECK_EQ(fw_fence_get_status(f), -ETIMEDOUT);
	pthread_join(t, NULL);
	/* Signalled: any timeout returns at once with 0. */
	CHECK_EQ(fw_fence_wait(f, 0), 0);
	CHECK_EQ(fw_fence_wait(f, INT64_MAX), 0);
	fw_fence_put(f);

	f = fw_fence_create(1, 1, "x");
	CHECK_EQ(pthread_create(&t, NULL, signal_thread, f), 0);
	CHECK_EQ(fw_fence_wait(f, INT64_MAX), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	pthread_join(t, NULL);
	fw_fence_put(f);
}

static void test_merge_errors(void)
{
	struct fw_fence *f = fw_fence_create(1, 1, "x");
	struct fw_fence *arr[2] = { f, NULL };

	errno = 0;
	CHECK(fw_fence_merge(NULL, 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(fw_fence_merge(arr, 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(fw_fence_merge(arr, 2) == NULL);
	CHECK_EQ(errno, EINVAL);
	fw_fence_put(f);
}

static void test_merge_same_context(void)
{
	uint64_t ctx = fw_fence_context_alloc(1);
	struct fw_fence *p1 = fw_fence_create(ctx, 1, "t");
	struct fw_fence *p3 = fw_fence_create(ctx, 3, "t");
	struct fw_fence *p2 = fw_fence_create(ctx, 2, "t");
	struct fw_fence *arr[3] = { p1, p3, p2 };
	struct fw_fence *m = fw_fence_merge(arr, 3);

	/* One point, the later one: the very fence. */
	CHECK(m == p3);
	CHECK_EQ(fw_fence_num_points(m), 1);
	fw_fence_put(m);

	/* Merging a fence with itself gives it back. */
	arr[0] = p2;
	arr[1] = p2;
	m = fw_fence_merge(arr, 2);
	CHECK(m == p2);
	fw_fence_put(m);

	fw_fence_put(p1);
	fw_fence_put(p2);
	fw_fence_put(p3);
}

static void test_merge_contexts(void)
{
	uint64_t c = fw_fence_context_alloc(3);
	struct fw_fence *a = fw_fence_create(c, 5, "a");
	struct fw_fence *b = fw_fence_create(c + 1, 5, "b");
	struct fw_fence *b2 = fw_fence_create(c + 1, 9, "b");
	struct fw_fence *d = fw_fence_create(c + 2, 1, "d");
	struct fw_fence *ab[2] = { a, b };
	struct fw_fence *m1, *m2, *parts[3];
	struct counted_cb cb = { 0 };
	bool saw_b2 = false;

	m1 = fw_fence_merge(ab, 2);
	CHECK(m1 && m1 != a && m1 != b);
	CHECK_EQ(fw_fence_num_points(m1), 2);
	CHECK(fw_fence_point(m1, 2) == NULL);
	CHECK_EQ(fw_fence_get_status(m1), FW_FENCE_PENDING);

	/* Nested merges flatten; b2 replaces b (same context, later). */
	parts[0] = m1;
	parts[1] = b2;
	parts[2] = d;
	m2 = fw_fence_merge(parts, 3);
	CHECK(m2);
	CHECK_EQ(fw_fence_num_points(m2), 3);
	for (size_t i = 0; i < 3; i++) {
		struct fw_fence *p = fw_fence_point(m2, i);

		CHECK(p != b);
		saw_b2 |= p == b2;
		CHECK_EQ(fw_fence_num_points(p), 1);
	}
	CHECK(saw_b2);
	CHECK_EQ(fw_fence_add_callback(m2, &cb.cb, count_cb), 0);

	/* Signals only once every part has, with the first error. */
	fw_fence_signal(a, 0);
	CHECK(!fw_fence_is_signaled(m2));
	fw_fence_signal(d, -EDEADLK);
	CHECK(!fw_fence_is_signaled(m2));
	fw_fence_signal(b2, -EIO);
	CHECK_EQ(cb.runs, 1);
	CHECK_EQ(fw_fence_get_status(m2), -EDEADLK);
	CHECK(fw_fence_timestamp(m2) > 0);
	/* m1 still waits for b. */
	CHECK(!fw_fence_is_signaled(m1));
	fw_fence_signal(b, 0);
	CHECK_EQ(fw_fence_get_status(m1), FW_FENCE_SIGNALED);

	fw_fence_put(m1);
	fw_fence_put(m2);
	fw_fence_put(a);
	fw_fence_put(b);
	fw_fence_put(b2);
	fw_fence_put(d);
}

/*
 * @n pending fences for a merge, each on a fresh context of its own at
 * seqno 1 (so a merge keeps every one), named "a", "b", ...  The caller
 * owns them and drops them with put_parts().
 */
static void make_parts(struct fw_fence **parts, unsigned n)
{
	uint64_t c = fw_fence_context_alloc(n);

	for (unsigned i = 0; i < n; i++) {
		char name[2] = { (char)('a' + i), '\0' };

		parts[i] = fw_fence_create(c + i, 1, name);
		CHECK(parts[i]);
	}
}

static void put_parts(struct fw_fence **parts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fw_fence_put(parts[i]);
}

static void test_merge_drops_signaled(void)
{
	struct fw_fence *arr[3], *a, *b, *e, *m;

	make_parts(arr, 3);
	a = arr[0];
	b = arr[1];
	e = arr[2];

	fw_fence_signal(a, 0);
	m = fw_fence_merge(arr, 2);
	/* a is done: only b remains, returned as itself. */
	CHECK(m == b);
	fw_fence_put(m);

	/* An error is kept: the merge must report it. */
	fw_fence_signal(e, -EIO);
	m = fw_fence_merge(arr, 3);
	CHECK_EQ(fw_fence_num_points(m), 2);
	CHECK(!fw_fence_is_signaled(m));
	fw_fence_signal(b, 0);
	CHECK_EQ(fw_fence_get_status(m), -EIO);
	fw_fence_put(m);

	/* Everything signalled fine: an already-signalled fence. */
	m = fw_fence_merge(arr, 2);
	CHECK(m);
	CHECK_EQ(fw_fence_get_status(m), FW_FENCE_SIGNALED);
	fw_fence_put(m);

	put_parts(arr, 3);
}

/* A merge whose parts all signalled before anyone asked is signalled. */
static void test_merge_status_without_waiters(void)
{
	struct fw_fence *arr[2];

	make_parts(arr, 2);
	struct fw_fence *a = arr[0], *b = arr[1];
	struct fw_fence *m = fw_fence_merge(arr, 2);

	fw_fence_signal(a, 0);
	fw_fence_signal(b, 0);
	CHECK_EQ(fw_fence_get_status(m), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_fence_wait(m, 0), 0);
	fw_fence_put(m);
	put_parts(arr, 2);
}

/*
 * A merge nobody waits on is freed with its last reference, even though
 * its parts never signal (LeakSanitizer / valgrind would report it).
 */
static void test_merge_unwaited_not_pinned(void)
{
	struct fw_fence *arr[2];

	make_parts(arr, 2);
	for (int i = 0; i < 100; i++) {
		struct fw_fence *m = fw_fence_merge(arr, 2);

		CHECK_EQ(fw_fence_get_status(m), FW_FENCE_PENDING);
		CHECK_EQ(fw_fence_timestamp(m), 0);
		CHECK_EQ(fw_fence_wait(m, 0), -ETIME);
		fw_fence_put(m);
	}
	put_parts(arr, 2);
}

/* A waited-on merge outlives its references until its parts signal. */
static void test_merge_waited_outlives_refs(void)
{
	struct fw_fence *arr[2];

	make_parts(arr, 2);
	struct fw_fence *a = arr[0], *b = arr[1];
	struct fw_fence *m = fw_fence_merge(arr, 2);
	struct counted_cb cb = { 0 };

	CHECK_EQ(fw_fence_add_callback(m, &cb.cb, count_cb), 0);
	fw_fence_put(m);
	fw_fence_signal(b, -EBUSY);
	CHECK_EQ(cb.runs, 0);
	fw_fence_signal(a, 0);
	CHECK_EQ(cb.runs, 1);
	CHECK_EQ(cb.status_seen, -EBUSY);
	put_parts(arr, 2);
}

/* Status by polling picks the error of the part that failed first. */
static void test_merge_polled_first_error(void)
{
	struct fw_fence *arr[3];

	make_parts(arr, 3);
	struct fw_fence *a = arr[0], *b = arr[1], *d = arr[2];
	struct fw_fence *m = fw_fence_merge(arr, 3);

	fw_fence_signal(b, -ENOLINK);
	usleep(1000);
	fw_fence_signal(a, -EIO);
	CHECK_EQ(fw_fence_get_status(m), FW_FENCE_PENDING);
	fw_fence_signal(d, 0);
	CHECK_EQ(fw_fence_get_status(m), -ENOLINK);
	CHECK(fw_fence_timestamp(m) > 0);
	fw_fence_put(m);
	put_parts(arr, 3);
}

int main(void)
{
	int base = fw_test_fd_baseline();

	RUN(test_context_alloc);
	RUN(test_create_basics);
	RUN(test_signal);
	RUN(test_callbacks);
	RUN(test_callback_drops_ref);
	RUN(test_remove_from_callback);
	RUN(test_remove_waits_for_running);
	RUN(test_wait);
	RUN(test_merge_errors);
	RUN(test_merge_same_context);
	RUN(test_merge_contexts);
	RUN(test_merge_drops_signaled);
	RUN(test_merge_status_without_waiters);
	RUN(test_merge_unwaited_not_pinned);
	RUN(test_merge_waited_outlives_refs);
	RUN(test_merge_polled_first_error);
	fw_test_fd_check(base);
	return 0;
}
