/*
 * fence_merge.c - merged fences: signal once every part has.
 *
 * Like the kernel's sync_file merge (dma_fence_unwrap_merge): nested merges
 * are flattened, one point is kept per context (the highest seqno: on a
 * timeline the later point implies the earlier), and points that already
 * signalled successfully are dropped.  The merge fails with the first error
 * any part reports, but still only once all parts have signalled.
 */
#include <errno.h>
#include <stdlib.h>

#include "fence_impl.h"

struct merge_part {
	struct fw_fence_cb cb;
	struct merge_fence *merge;
};

struct merge_fence {
	struct fw_fence base;
	atomic_size_t pending; /* parts not yet signalled */
	atomic_int error;      /* first error seen, or 0 */
	struct merge_part *parts;
};

static void merge_release(struct fw_fence *fence)
{
	struct merge_fence *m = (struct merge_fence *)fence;

	free(m->parts);
	free(m);
}

static void merge_enable_signaling(struct fw_fence *fence);
static int merge_signaled(struct fw_fence *fence);

static const struct fw_fence_ops merge_ops = {
	.driver_name = "fenceway-merge",
	.enable_signaling = merge_enable_signaling,
	.signaled = merge_signaled,
	.release = merge_release,
};

static void part_done(struct merge_fence *m, struct fw_fence *part)
{
	int status = fw_fence_get_status(part);
	int expected = 0;

	if (status < 0)
		atomic_compare_exchange_strong(&m->error, &expected, status);
	if (atomic_fetch_sub(&m->pending, 1) == 1) {
		fw_fence_signal(&m->base, atomic_load(&m->error));
		/* The reference taken while arming the parts. */
		fw_fence_put(&m->base);
	}
}

static void part_signaled(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct merge_part *p = (struct merge_part *)cb;

	part_done(p->merge, fence);
}

/*
 * Arm a callback on every part, the first time somebody waits on the merge
 * (enable_signaling).  From then on the merge holds a reference on itself
 * until the last part has signalled, like dma_fence_array.  A merge nobody
 * waits on is never pinned: dropping it frees it (an accumulating merge per
 * frame must not keep every predecessor alive).
 */
static void merge_enable_signaling(struct fw_fence *fence)
{
	struct merge_fence *m = (struct merge_fence *)fence;
	size_t n = m->base.num_points;

	atomic_init(&m->pending, n);
	fw_fence_get(&m->base);
	for (size_t i = 0; i < n; i++) {
		struct fw_fence *part = m->base.points[i];

		m->parts[i].merge = m;
		if (fw_fence_add_callback(part, &m->parts[i].cb,
					  part_signaled) == -ENOENT)
			part_done(m, part);
	}
}

/*
 * Status without arming: all parts done, with the error of the part that
 * failed first (by timestamp) if any.
 */
static int merge_signaled(struct fw_fence *fence)
{
	int64_t first = INT64_MAX;
	int err = 0;

	for (size_t i = 0; i < fence->num_points; i++) {
		struct fw_fence *part = fence->points[i];
		int st = fw_fence_get_status(part);

		if (st == FW_FENCE_PENDING)
			return FW_FENCE_PENDING;
		if (st < 0 && fw_fence_timestamp(part) < first) {
			first = fw_fence_timestamp(part);
			err = st;
		}
	}
	return err ? err : FW_FENCE_SIGNALED;
}

static int cmp_points(const void *a, const void *b)
{
	const struct fw_fence *x = *(struct fw_fence *const *)a;
	const struct fw_fence *y = *(struct fw_fence *const *)b;

	if (x->context != y->context)
		return x->context < y->context ? -1 : 1;
	/* Highest seqno first within a context: that is the one kept. */
	if (x->seqno != y->seqno)
		return x->seqno > y->seqno ? -1 : 1;
	return 0;
}

static struct fw_fence *signaled_stub(void)
{
	struct fw_fence *f =
		fw_fence_create(fw_fence_context_alloc(1), 1, "merged");

	if (f)
		fw_fence_signal(f, 0);
	return f;
}

struct fw_fence *fw_fence_merge(struct fw_fence *const *fences, size_t count)
{
	struct fw_fence **all = NULL;
	struct merge_fence *m;
	size_t total = 0, n = 0, kept = 0;

	if (!fences || count == 0) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		if (!fences[i]) {
			errno = EINVAL;
			return NULL;
		}
		total += fw_fence_num_points(fences[i]);
	}

	all = calloc(total, sizeof(*all));
	if (!all) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < count; i++)
		for (size_t j = 0; j < fw_fence_num_points(fences[i]); j++)
			all[n++] = fw_fence_point(fences[i], j);

	qsort(all, n, sizeof(*all), cmp_points);
	/* One per context (the first = highest), minus successful ones. */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && all[i]->context == all[i - 1]->context)
			continue;
		if (fw_fence_get_status(all[i]) == FW_FENCE_SIGNALED)
			continue;
		all[kept++] = all[i];
	}

	if (kept == 0) {
		free(all);
		return signaled_stub();
	}
	if (kept == 1) {
		struct fw_fence *only = fw_fence_get(all[0]);

		free(all);
		return only;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	m->parts = calloc(kept, sizeof(*m->parts));
	if (!m->parts ||
	    fw_fence_init(&m->base, &merge_ops, fw_fence_context_alloc(1), 1,
			  "merged") < 0) {
		free(m->parts);
		free(m);
		goto nomem;
	}
	m->base.points = all;
	m->base.num_points = kept;
	for (size_t i = 0; i < kept; i++)
		fw_fence_get(all[i]);
	return &m->base;

nomem:
	free(all);
	errno = ENOMEM;
	return NULL;
}
