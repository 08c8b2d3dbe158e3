/*
 * wp_presentation (presentation-time), implemented by fenceway itself on
 * the commit tracker (commit.h).
 *
 * Why not wlr_presentation: on wlroots 0.15 it keeps one pending feedback
 * per surface, so a feedback requested while an earlier commit is still
 * held (explicit sync, or a synchronized subsurface) is merged into that
 * held commit.  Here every feedback stays with the commit it was requested
 * for -- the one whose seq is surface->pending.seq at request time -- and
 * gets that commit's fate from the tracker: presented (sync_output for each
 * wl_output the client bound, then presented) or discarded.  Every feedback
 * gets exactly one of the two, after which the compositor destroys the
 * wp_presentation_feedback object (protocol).
 */
#ifndef FENCEWAY_PRESENTATION_H
#define FENCEWAY_PRESENTATION_H

#include <time.h>

struct fw_server;
struct fw_presentation;

/*
 * Create the wp_presentation global on server->display, advertising clock
 * (CLOCK_MONOTONIC on every backend fenceway uses), and subscribe to
 * server->commits.  The returned object is owned by the caller; free it
 * with fw_presentation_destroy() before the tracker and the display go.
 * NULL on failure.
 */
struct fw_presentation *fw_presentation_create(struct fw_server *server,
	clockid_t clock);

/* Remove the global, discard every feedback still waiting and unsubscribe
 * (feedback resources left are owned by their clients; they become inert).
 * NULL: nothing to do. */
void fw_presentation_destroy(struct fw_presentation *presentation);

#endif
