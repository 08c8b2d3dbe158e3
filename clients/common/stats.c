/*
 * clients/common/stats.c - per-frame records, presentation feedback and the
 * summary.
 */
#include "stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "presentation-time-client-protocol.h"

int fwd_stats_init(struct fwd_stats *s, struct fwd_display *d, uint64_t nframes)
{
	memset(s, 0, sizeof(*s));
	s->display = d;
	s->nframes = nframes;
	s->frames = calloc(nframes, sizeof(*s->frames));
	if (!s->frames) {
		fprintf(stderr, "out of memory for %" PRIu64 " frame records\n",
			nframes);
		return -1;
	}
	for (uint64_t i = 0; i < nframes; i++) {
		s->frames[i].stats = s;
		s->frames[i].seq = i + 1;
	}
	return 0;
}

void fwd_stats_finish(struct fwd_stats *s)
{
	for (uint64_t i = 0; s->frames && i < s->nframes; i++) {
		if (s->frames[i].feedback)
			wp_presentation_feedback_destroy(s->frames[i].feedback);
	}
	free(s->frames);
	memset(s, 0, sizeof(*s));
}

static void feedback_sync_output(void *data,
				 struct wp_presentation_feedback *fb,
				 struct wl_output *output)
{
}

static void feedback_presented(void *data, struct wp_presentation_feedback *fb,
			       uint32_t tv_sec_hi, uint32_t tv_sec_lo,
			       uint32_t tv_nsec, uint32_t refresh,
			       uint32_t seq_hi, uint32_t seq_lo, uint32_t flags)
{
	struct fwd_frame *f = data;
	uint64_t sec = ((uint64_t)tv_sec_hi << 32) | tv_sec_lo;

	f->present_ns = (int64_t)sec * 1000000000 + tv_nsec;
	f->state = FWD_FRAME_PRESENTED;
	f->stats->presented++;
	if (f->stats->check_early) {
		/* The render thread stores the time before it signals, and
		 * the compositor takes the present time after it latched the
		 * frame, so present < acquire means it did not wait. */
		int64_t acquired =
			__atomic_load_n(&f->acquire_ns, __ATOMIC_ACQUIRE);
		if (!acquired || f->present_ns < acquired)
			f->stats->early_presents++;
	}
	/* The event is a destructor: the object is gone on the server side. */
	wp_presentation_feedback_destroy(fb);
	f->feedback = NULL;
}

static void feedback_discarded(void *data, struct wp_presentation_feedback *fb)
{
	struct fwd_frame *f = data;

	f->state = FWD_FRAME_DISCARDED;
	f->stats->discarded++;
	wp_presentation_feedback_destroy(fb);
	f->feedback = NULL;
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

struct fwd_frame *fwd_stats_commit(struct fwd_stats *s,
				   struct wl_surface *surface, uint64_t seq)
{
	struct fwd_frame *f = &s->frames[seq - 1];

	f->state = FWD_FRAME_COMMITTED;
	f->commit_ns = fwd_now_ns(s->display->clock);
	s->committed++;
	if (s->display->presentation) {
		f->feedback = wp_presentation_feedback(s->display->presentation,
						       surface);
		wp_presentation_feedback_add_listener(f->feedback,
						      &feedback_listener, f);
	}
	return f;
}

void fwd_stats_committed_now(struct fwd_frame *frame)
{
	frame->commit_ns = fwd_now_ns(frame->stats->display->clock);
}

void fwd_stats_acquire_signalled(struct fwd_frame *frame)
{
	int64_t now = fwd_now_ns(frame->stats->display->clock);
	__atomic_store_n(&frame->acquire_ns, now, __ATOMIC_RELEASE);
}

bool fwd_stats_settled(const struct fwd_stats *s)
{
	/* Without wp_presentation nothing will ever come back: committed is
	 * all we can know. */
	if (!s->display->presentation)
		return true;
	return s->presented + s->discarded == s->committed;
}

void fwd_stats_release_wait_begin(struct fwd_stats *s)
{
	if (!s->release_wait_started_ns)
		s->release_wait_started_ns = fwd_now_ns(s->display->clock);
}

void fwd_stats_release_wait_end(struct fwd_stats *s)
{
	if (!s->release_wait_started_ns)
		return;
	int64_t d = fwd_now_ns(s->display->clock) - s->release_wait_started_ns;
	s->release_wait_started_ns = 0;
	s->release_wait_ns += d;
	s->release_waits++;
	if (d > s->release_wait_max_ns)
		s->release_wait_max_ns = d;
}

uint64_t fwd_stats_errors(const struct fwd_stats *s)
{
	return s->protocol_errors + s->fence_errors + s->other_errors +
	       (s->early_expected ? 0 : s->early_presents) +
	       __atomic_load_n(&s->thread_errors, __ATOMIC_RELAXED);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v (n > 0). */
static int64_t percentile(const int64_t *v, size_t n, unsigned p)
{
	size_t rank = (n * p + 99) / 100;
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

/* One "NAME: p50=.. p99=.. max=.. samples=N" line, in milliseconds. */
static void print_latency(FILE *out, const char *name, int64_t *v, size_t n)
{
	if (n == 0) {
		fprintf(out, "%s: p50=- p99=- max=- samples=0\n", name);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_i64);
	fprintf(out, "%s: p50=%.3f p99=%.3f max=%.3f samples=%zu\n", name,
		percentile(v, n, 50) / 1e6, percentile(v, n, 99) / 1e6,
		v[n - 1] / 1e6, n);
}

void fwd_stats_print(const struct fwd_stats *s, FILE *out)
{
	int64_t *acq = calloc(s->nframes ? s->nframes : 1, sizeof(*acq));
	int64_t *com = calloc(s->nframes ? s->nframes : 1, sizeof(*com));
	size_t nacq = 0, ncom = 0;

	for (uint64_t i = 0; acq && com && i < s->nframes; i++) {
		const struct fwd_frame *f = &s->frames[i];
		if (f->state != FWD_FRAME_PRESENTED)
			continue;
		int64_t acquired =
			__atomic_load_n(&f->acquire_ns, __ATOMIC_ACQUIRE);
		com[ncom++] = f->present_ns - f->commit_ns;
		/* Early presents are counted apart (see stats.h). */
		if (acquired && f->present_ns >= acquired)
			acq[nacq++] = f->present_ns - acquired;
	}

	fprintf(out,
		"frames: %" PRIu64 " presented: %" PRIu64 " discarded: %" PRIu64
		" pending: %" PRIu64 "\n",
		s->committed, s->presented, s->discarded,
		s->committed - s->presented - s->discarded);
	print_latency(out, "acquire-to-present-ms", acq, acq ? nacq : 0);
	print_latency(out, "commit-to-present-ms", com, com ? ncom : 0);
	fprintf(out, "release-wait-ms: total=%.3f max=%.3f waits=%" PRIu64 "\n",
		s->release_wait_ns / 1e6, s->release_wait_max_ns / 1e6,
		s->release_waits);
	fprintf(out,
		"releases: timeline=%" PRIu64 " fenced=%" PRIu64
		" immediate=%" PRIu64 " wl_buffer=%" PRIu64 "\n",
		s->rel_timeline, s->rel_fenced, s->rel_immediate,
		s->rel_wl_buffer);
	fprintf(out,
		"errors: %" PRIu64 " protocol: %" PRIu64 " fence: %" PRIu64
		" early-presents: %" PRIu64 " other: %" PRIu64 "\n",
		fwd_stats_errors(s), s->protocol_errors, s->fence_errors,
		s->early_presents,
		s->other_errors +
			__atomic_load_n(&s->thread_errors, __ATOMIC_RELAXED));
	fflush(out);
	free(acq);
	free(com);
}
