/*
 * clients/demo/render.c - the render thread.
 */
#include "render.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../common/stats.h"
#include "backend.h"
#include "buffer.h"
#include "draw.h"

struct demo_render {
	struct demo_render_config cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC: wakes the worker */
	bool stop;
	/* FIFO of submitted jobs, and of finished ones. */
	struct demo_job *todo_head, **todo_tail;
	struct demo_job *done_head, **done_tail;
	int efd;
};

/*
 * Sleep @ms on the condition variable, so that destroy() can cut a long
 * simulated GPU job short.  Called with the lock held.  False if stopping.
 */
static bool gpu_busy_wait(struct demo_render *r, unsigned ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (!r->stop) {
		int err = pthread_cond_timedwait(&r->cond, &r->lock, &until);
		if (err == ETIMEDOUT)
			break;
	}
	return !r->stop;
}

static void run_job(struct demo_render *r, struct demo_job *job)
{
	const struct demo_render_config *c = &r->cfg;
	uint32_t *px = (uint32_t *)((char *)job->buffer->pixels +
				    (size_t)c->top * (size_t)c->stride);

	/* A failed GPU job leaves the buffer unfinished (poison). */
	if (!job->signal_error)
		demo_draw_frame(px, c->width, c->height, c->stride, c->color,
				job->seq);
	if (job->no_signal)
		return;
	/* Time first, then signal: whoever sees the signal sees the time. */
	fwd_stats_acquire_signalled(job->frame);
	c->backend->signal(job, job->signal_error ? -EIO : 0);
}

static void *render_main(void *data)
{
	struct demo_render *r = data;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stop && !r->todo_head)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stop)
			break;
		struct demo_job *job = r->todo_head;
		r->todo_head = job->next;
		if (!r->todo_head)
			r->todo_tail = &r->todo_head;
		job->next = NULL;

		if (r->cfg.latency_ms && !gpu_busy_wait(r, r->cfg.latency_ms))
			break;
		pthread_mutex_unlock(&r->lock);
		run_job(r, job);
		pthread_mutex_lock(&r->lock);

		*r->done_tail = job;
		r->done_tail = &job->next;
		uint64_t one = 1;
		if (write(r->efd, &one, sizeof(one)) < 0)
			perror("render: eventfd write");
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct demo_render *demo_render_create(const struct demo_render_config *cfg)
{
	struct demo_render *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "out of memory for the render thread\n");
		return NULL;
	}
	r->cfg = *cfg;
	r->todo_tail = &r->todo_head;
	r->done_tail = &r->done_head;
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		perror("eventfd");
		free(r);
		return NULL;
	}
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&r->lock, NULL);
	int err = pthread_create(&r->thread, NULL, render_main, r);
	if (err) {
		fprintf(stderr, "cannot start the render thread: %s\n",
			strerror(err));
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		close(r->efd);
		free(r);
		return NULL;
	}
	return r;
}

void demo_render_destroy(struct demo_render *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	close(r->efd);
	free(r);
}

int demo_render_fd(struct demo_render *r)
{
	return r->efd;
}

void demo_render_submit(struct demo_render *r, struct demo_job *job)
{
	pthread_mutex_lock(&r->lock);
	job->next = NULL;
	*r->todo_tail = job;
	r->todo_tail = &job->next;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

struct demo_job *demo_render_pop(struct demo_render *r)
{
	pthread_mutex_lock(&r->lock);
	struct demo_job *job = r->done_head;
	if (job) {
		r->done_head = job->next;
		if (!r->done_head)
			r->done_tail = &r->done_head;
		job->next = NULL;
	} else {
		/* Empty: drain the eventfd so poll() stops reporting it.  The
		 * worker writes only with the lock held, so nothing is lost. */
		uint64_t n;
		if (read(r->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			perror("render: eventfd read");
	}
	pthread_mutex_unlock(&r->lock);
	return job;
}
