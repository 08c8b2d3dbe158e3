/*
 * clients/common/stats.h - what happened to every frame, and the summary
 * the demos print at exit.
 *
 * One record per frame, allocated up front for --frames N.  The main thread
 * owns the records; the only field another thread writes is acquire_ns
 * (the render thread stores the moment it signalled the acquire point),
 * which is read and written with atomics.
 *
 * The summary is for people and for tests: stable lines of the form
 * "key: value key: value", documented in clients/README.md.
 *
 * Ownership: struct fwd_stats is owned by the caller; fwd_stats_finish()
 * frees the records and destroys feedback objects still pending.
 */
#ifndef FWD_STATS_H
#define FWD_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct fwd_display;
struct wl_surface;
struct wp_presentation_feedback;

enum fwd_frame_state {
	FWD_FRAME_UNUSED = 0, /* not committed (yet) */
	FWD_FRAME_COMMITTED,  /* committed, no feedback yet */
	FWD_FRAME_PRESENTED,
	FWD_FRAME_DISCARDED,
};

struct fwd_stats;

struct fwd_frame {
	struct fwd_stats *stats;
	uint64_t seq; /* 1-based frame number */
	enum fwd_frame_state state;
	int64_t commit_ns;  /* on the presentation clock */
	int64_t acquire_ns; /* atomic; 0 until the acquire signalled */
	int64_t present_ns;
	struct wp_presentation_feedback *feedback;
};

struct fwd_stats {
	struct fwd_display *display;
	struct fwd_frame *frames;
	uint64_t nframes;

	uint64_t committed, presented, discarded;

	/* Time the main thread wanted a buffer and none was free. */
	int64_t release_wait_ns, release_wait_max_ns, release_wait_started_ns;
	uint64_t release_waits;
	/* How releases came back: a timeline point, a fenced_release sync
	 * file, immediate_release, or wl_buffer.release. */
	uint64_t rel_timeline, rel_fenced, rel_immediate, rel_wl_buffer;

	/* Protocol errors and failed fences; any of these makes the summary
	 * report errors (exit status: see each demo). */
	uint64_t protocol_errors, fence_errors, other_errors;
	/* Failures in another thread (render thread): updated atomically. */
	uint64_t thread_errors;

	/* Set by demos whose acquire times are known: a frame presented
	 * before its acquire point signalled is counted in early_presents
	 * (a compositor bug, reported as an error). */
	bool check_early;
	uint64_t early_presents;
	/* A client without a fence that commits before its frame is done
	 * (fenceway-demo --commit-early): early presents are what it shows,
	 * counted but not errors. */
	bool early_expected;
};

/* Records for @nframes frames.  0, or -1 (out of memory, printed). */
int fwd_stats_init(struct fwd_stats *s, struct fwd_display *d,
		   uint64_t nframes);
void fwd_stats_finish(struct fwd_stats *s);

/*
 * Frame @seq (1-based, <= nframes) is about to be committed on @surface:
 * record the time and ask for presentation feedback (if the compositor has
 * wp_presentation).  Call just before wl_surface_commit().
 */
struct fwd_frame *fwd_stats_commit(struct fwd_stats *s,
				   struct wl_surface *surface, uint64_t seq);

/*
 * The commit of @frame really went out now (for toolkits that commit
 * inside a call that first blocks, like eglSwapBuffers(): call
 * fwd_stats_commit() before it and this after it).
 */
void fwd_stats_committed_now(struct fwd_frame *frame);

/* From any thread: the acquire point of @frame signalled now. */
void fwd_stats_acquire_signalled(struct fwd_frame *frame);

/* True once every committed frame has its feedback. */
bool fwd_stats_settled(const struct fwd_stats *s);

/* Release-wait bookkeeping (main thread). */
void fwd_stats_release_wait_begin(struct fwd_stats *s);
void fwd_stats_release_wait_end(struct fwd_stats *s);

/* Total of the error counters. */
uint64_t fwd_stats_errors(const struct fwd_stats *s);

/* Print the summary lines (see clients/README.md) and flush @out. */
void fwd_stats_print(const struct fwd_stats *s, FILE *out);

#endif
