/*
 * fence.c - the fence core: refcounts, signalling, callbacks, waits.
 *
 * Modelled on the kernel's dma_fence.  One mutex per fence guards its
 * status and callback list; callbacks always run with no lock held, in the
 * thread that signals.  A backend embeds struct fw_fence (fence_impl.h) and
 * signals it whenever it learns the outcome.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fence_impl.h"
#include "trace_impl.h"

static atomic_uint_fast64_t next_context = 1;

__thread bool fw_library_thread;

static const struct fw_fence_ops plain_fence_ops = {
	.driver_name = "fenceway",
};

int64_t fw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t fw_fence_context_alloc(unsigned int num)
{
	return atomic_fetch_add(&next_context, num ? num : 1);
}

int fw_fence_init(struct fw_fence *fence, const struct fw_fence_ops *ops,
		  uint64_t context, uint64_t seqno, const char *timeline_name)
{
	pthread_condattr_t attr;

	memset(fence, 0, sizeof(*fence));
	fence->timeline_name = strdup(timeline_name ? timeline_name : "");
	if (!fence->timeline_name)
		return -ENOMEM;
	fence->ops = ops;
	atomic_init(&fence->refcount, 1);
	pthread_mutex_init(&fence->lock, NULL);
	/* Waits take CLOCK_MONOTONIC deadlines, like everything else here. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&fence->signaled_cond, &attr);
	pthread_condattr_destroy(&attr);
	fence->context = context;
	fence->seqno = seqno;
	fw_trace(ops && ops->imported ? FW_TRACE_FENCE_IMPORTED
				      : FW_TRACE_FENCE_CREATED,
		 fence, 0);
	return 0;
}

struct fw_fence *fw_fence_create(uint64_t context, uint64_t seqno,
				 const char *timeline_name)
{
	struct fw_fence *fence = malloc(sizeof(*fence));
	int ret;

	if (!fence) {
		errno = ENOMEM;
		return NULL;
	}
	ret = fw_fence_init(fence, &plain_fence_ops, context, seqno,
			    timeline_name);
	if (ret < 0) {
		free(fence);
		errno = -ret;
		return NULL;
	}
	return fence;
}

struct fw_fence *fw_fence_get(struct fw_fence *fence)
{
	if (fence)
		atomic_fetch_add_explicit(&fence->refcount, 1,
					  memory_order_relaxed);
	return fence;
}

bool fw_fence_get_unless_zero(struct fw_fence *fence)
{
	int old = atomic_load(&fence->refcount);

	while (old > 0) {
		if (atomic_compare_exchange_weak(&fence->refcount, &old,
						 old + 1))
			return true;
	}
	return false;
}

void fw_fence_put(struct fw_fence *fence)
{
	if (!fence)
		return;
	if (atomic_fetch_sub_explicit(&fence->refcount, 1,
				      memory_order_acq_rel) != 1)
		return;

	fw_trace(FW_TRACE_FENCE_DESTROYED, fence, 0);

	for (size_t i = 0; i < fence->num_points; i++)
		fw_fence_put(fence->points[i]);
	free(fence->points);
	fence->points = NULL;
	fence->num_points = 0;
	free(fence->timeline_name);
	fence->timeline_name = NULL;
	pthread_mutex_destroy(&fence->lock);
	pthread_cond_destroy(&fence->signaled_cond);
	if (fence->ops && fence->ops->release)
		fence->ops->release(fence);
	else
		free(fence);
}

int fw_fence_signal(struct fw_fence *fence, int status)
{
	return fw_fence_signal_timestamp(fence, status, 0);
}

/* The backend's claim of when a successful signal happened; 0 if none. */
static int64_t ask_producer_time(struct fw_fence *fence, int status)
{
	if (status != 0 && status != FW_FENCE_SIGNALED)
		return 0;
	if (!fence->ops || !fence->ops->producer_time)
		return 0;
	return fence->ops->producer_time(fence);
}

/*
 * Fence lock held, the fence just became signalled with its observed time
 * set: keep the producer's claim only as a time no later than that.
 */
static void latch_signal(struct fw_fence *fence, int64_t producer_ns)
{
	if (producer_ns <= 0)
		producer_ns = 0;
	else if (producer_ns > fence->timestamp_ns)
		producer_ns = fence->timestamp_ns;
	fence->producer_ns = producer_ns;
	fw_trace(FW_TRACE_FENCE_SIGNALED, fence, fence->status);
}

int fw_fence_signal_timestamp(struct fw_fence *fence, int status,
			      int64_t timestamp_ns)
{
	struct fw_fence_cb *list, *cb, *reversed = NULL;
	int64_t producer_ns;

	if (!fence || status > 0)
		return -EINVAL;

	producer_ns = ask_producer_time(fence, status);
	pthread_mutex_lock(&fence->lock);
	if (fence->status != FW_FENCE_PENDING && !fence->callbacks_owed) {
		pthread_mutex_unlock(&fence->lock);
		return -EALREADY;
	}
	if (fence->callbacks_owed) {
		/*
		 * A status query already latched the outcome (see
		 * fw_fence_get_status); this is the backend's real signal,
		 * which still owes the callbacks.  The latched status stands.
		 */
		fence->callbacks_owed = false;
	} else {
		fence->status = status ? status : FW_FENCE_SIGNALED;
		fence->timestamp_ns =
			timestamp_ns > 0 ? timestamp_ns : fw_now_ns();
		latch_signal(fence, producer_ns);
	}
	list = fence->callbacks;
	fence->callbacks = NULL;
	/*
	 * Detach every callback now: once pprev is NULL, remove_callback
	 * knows it is too late and waits for running_callbacks to drop.
	 * New callbacks are refused from here on (-ENOENT).  Callbacks were
	 * pushed at the head; reverse so they run in the order added.
	 */
	while (list) {
		cb = list;
		list = cb->next;
		cb->pprev = NULL;
		cb->next = reversed;
		reversed = cb;
	}
	if (reversed) {
		fence->running_callbacks = 1;
		fence->signaling_thread = pthread_self();
	}
	pthread_cond_broadcast(&fence->signaled_cond);
	pthread_mutex_unlock(&fence->lock);

	if (!reversed)
		return 0;
	while (reversed) {
		cb = reversed;
		/* Read next first: the callback may free or reuse @cb. */
		reversed = cb->next;
		cb->next = NULL;
		cb->func(fence, cb);
	}

	pthread_mutex_lock(&fence->lock);
	fence->running_callbacks = 0;
	pthread_cond_broadcast(&fence->signaled_cond);
	pthread_mutex_unlock(&fence->lock);
	return 0;
}

static int read_status(struct fw_fence *fence)
{
	int status;

	pthread_mutex_lock(&fence->lock);
	status = fence->status;
	pthread_mutex_unlock(&fence->lock);
	return status;
}

int fw_fence_get_status(struct fw_fence *fence)
{
	int status;

	if (!fence)
		return -EINVAL;
	status = read_status(fence);
	/*
	 * Let the backend tell what it knows but has not signalled yet.  The
	 * outcome is latched here (status, time, waiters woken) but the
	 * callbacks are left to the backend's own fw_fence_signal(): a query
	 * never runs callbacks, so callers may hold their locks while asking.
	 */
	if (status == FW_FENCE_PENDING && fence->ops && fence->ops->signaled) {
		int now = fence->ops->signaled(fence);

		if (now != FW_FENCE_PENDING) {
			int64_t producer_ns = ask_producer_time(fence, now);

			pthread_mutex_lock(&fence->lock);
			if (fence->status == FW_FENCE_PENDING) {
				fence->status =
					now > 0 ? FW_FENCE_SIGNALED : now;
				fence->timestamp_ns = fw_now_ns();
				latch_signal(fence, producer_ns);
				fence->callbacks_owed = true;
				pthread_cond_broadcast(&fence->signaled_cond);
			}
			status = fence->status;
			pthread_mutex_unlock(&fence->lock);
		}
	}
	return status;
}

bool fw_fence_is_signaled(struct fw_fence *fence)
{
	return fw_fence_get_status(fence) != FW_FENCE_PENDING;
}

int64_t fw_fence_timestamp(struct fw_fence *fence)
{
	int64_t ts;

	if (!fence)
		return 0;
	fw_fence_get_status(fence);
	pthread_mutex_lock(&fence->lock);
	ts = fence->status != FW_FENCE_PENDING ? fence->timestamp_ns : 0;
	pthread_mutex_unlock(&fence->lock);
	return ts;
}

int64_t fw_fence_signal_time(struct fw_fence *fence)
{
	int64_t producer, observed;

	if (fw_fence_signal_times(fence, &producer, &observed) < 0)
		return 0;
	return producer > 0 ? producer : observed;
}

int fw_fence_signal_times(struct fw_fence *fence, int64_t *producer_ns,
			  int64_t *observed_ns)
{
	int64_t producer = 0, observed = 0;
	int ret = -EBUSY;

	if (!fence)
		return -EINVAL;
	fw_fence_get_status(fence);
	pthread_mutex_lock(&fence->lock);
	if (fence->status != FW_FENCE_PENDING) {
		producer = fence->producer_ns;
		observed = fence->timestamp_ns;
		ret = 0;
	}
	pthread_mutex_unlock(&fence->lock);
	if (producer_ns)
		*producer_ns = producer;
	if (observed_ns)
		*observed_ns = observed;
	return ret;
}

uint64_t fw_fence_context(const struct fw_fence *fence)
{
	return fence ? fence->context : 0;
}

uint64_t fw_fence_seqno(const struct fw_fence *fence)
{
	return fence ? fence->seqno : 0;
}

const char *fw_fence_driver_name(const struct fw_fence *fence)
{
	if (!fence || !fence->ops || !fence->ops->driver_name)
		return "fenceway";
	return fence->ops->driver_name;
}

const char *fw_fence_timeline_name(const struct fw_fence *fence)
{
	return fence && fence->timeline_name ? fence->timeline_name : "";
}

/*
 * Tell the backend, once, that somebody now cares about the outcome.
 * Called without the fence lock: the backend may signal from inside.
 */
static void enable_signaling(struct fw_fence *fence)
{
	bool first;

	if (!fence->ops || !fence->ops->enable_signaling)
		return;
	pthread_mutex_lock(&fence->lock);
	first = !fence->signaling_enabled && fence->status == FW_FENCE_PENDING;
	fence->signaling_enabled = true;
	pthread_mutex_unlock(&fence->lock);
	if (first)
		fence->ops->enable_signaling(fence);
}

void fw_fence_enable_signaling(struct fw_fence *fence)
{
	enable_signaling(fence);
}

int fw_fence_add_callback(struct fw_fence *fence, struct fw_fence_cb *cb,
			  fw_fence_func_t func)
{
	if (!fence || !cb || !func)
		return -EINVAL;

	enable_signaling(fence);
	return fw_fence_add_callback_quiet(fence, cb, func);
}

int fw_fence_add_callback_quiet(struct fw_fence *fence, struct fw_fence_cb *cb,
				fw_fence_func_t func)
{
	pthread_mutex_lock(&fence->lock);
	if (fence->status != FW_FENCE_PENDING) {
		pthread_mutex_unlock(&fence->lock);
		cb->next = NULL;
		cb->pprev = NULL;
		return -ENOENT;
	}
	cb->func = func;
	cb->next = fence->callbacks;
	if (cb->next)
		cb->next->pprev = &cb->next;
	cb->pprev = &fence->callbacks;
	fence->callbacks = cb;
	fw_trace(FW_TRACE_WAIT_STARTED, fence, FW_TRACE_WAIT_CALLBACK);
	pthread_mutex_unlock(&fence->lock);
	return 0;
}

bool fw_fence_remove_callback(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	if (!fence || !cb)
		return false;

	pthread_mutex_lock(&fence->lock);
	if (cb->pprev) {
		*cb->pprev = cb->next;
		if (cb->next)
			cb->next->pprev = cb->pprev;
		cb->next = NULL;
		cb->pprev = NULL;
		pthread_mutex_unlock(&fence->lock);
		return true;
	}
	/*
	 * Too late: it ran, or another thread is running the callbacks right
	 * now.  Wait for that run to finish so the caller may free @cb (and
	 * what it points to).  Not if this thread is the one running them: a
	 * callback may cancel a sibling, and waiting would deadlock.
	 */
	while (fence->running_callbacks &&
	       !pthread_equal(fence->signaling_thread, pthread_self()))
		pthread_cond_wait(&fence->signaled_cond, &fence->lock);
	pthread_mutex_unlock(&fence->lock);
	return false;
}

int fw_fence_wait(struct fw_fence *fence, int64_t timeout_ns)
{
	struct timespec deadline;
	int64_t end;
	int ret = 0;

	if (!fence)
		return -EINVAL;
	if (fw_fence_get_status(fence) != FW_FENCE_PENDING)
		return 0;
	if (timeout_ns != 0)
		enable_signaling(fence);

	pthread_mutex_lock(&fence->lock);
	if (timeout_ns != 0 && fence->status == FW_FENCE_PENDING)
		fw_trace(FW_TRACE_WAIT_STARTED, fence, FW_TRACE_WAIT_BLOCKING);
	if (timeout_ns > 0) {
		end = fw_now_ns();
		/* Saturate instead of overflowing for huge timeouts. */
		end = timeout_ns > INT64_MAX - end ? INT64_MAX
						   : end + timeout_ns;
		deadline.tv_sec = end / 1000000000;
		deadline.tv_nsec = end % 1000000000;
	}
	while (fence->status == FW_FENCE_PENDING) {
		if (timeout_ns == 0) {
			ret = -ETIME;
			break;
		}
		if (timeout_ns < 0) {
			pthread_cond_wait(&fence->signaled_cond, &fence->lock);
			continue;
		}
		if (pthread_cond_timedwait(&fence->signaled_cond, &fence->lock,
					   &deadline) == ETIMEDOUT &&
		    fence->status == FW_FENCE_PENDING) {
			ret = -ETIME;
			break;
		}
	}
	pthread_mutex_unlock(&fence->lock);
	return ret;
}

size_t fw_fence_num_points(struct fw_fence *fence)
{
	if (!fence)
		return 0;
	return fence->points ? fence->num_points : 1;
}

struct fw_fence *fw_fence_point(struct fw_fence *fence, size_t index)
{
	if (!fence)
		return NULL;
	if (fence->points)
		return index < fence->num_points ? fence->points[index] : NULL;
	return index == 0 ? fence : NULL;
}
