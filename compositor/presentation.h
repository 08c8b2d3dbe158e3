/*
 * wp_presentation (presentation-time), implemented by fenceway itself.
 *
 * Why not wlr_presentation: on wlroots 0.15 it keeps one pending feedback
 * per surface, so a feedback requested while an earlier commit is still
 * held (explicit sync, or a synchronized subsurface) is merged into that
 * held commit.  Here every feedback stays with the commit it was requested
 * for, identified by the wlr_surface_state seq:
 *
 *   requested  -> belongs to the commit whose seq is surface->pending.seq
 *   latched    -> that commit became surface->current (surface commit event);
 *                 an older latched feedback of the same surface that was not
 *                 yet in a frame is "discarded" then: its content was
 *                 replaced before anyone saw it
 *   sampled    -> an output committed a frame showing the surface
 *                 (fw_presentation_output_committed)
 *   presented  -> that output's present event for that commit_seq arrived
 *                 (fw_presentation_output_present); "discarded" if the frame
 *                 was not presented or the surface/output went away.
 *
 * Every feedback gets exactly one presented or discarded event, after which
 * the compositor destroys the wp_presentation_feedback object (protocol).
 */
#ifndef FENCEWAY_PRESENTATION_H
#define FENCEWAY_PRESENTATION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct fw_server;
struct wlr_output;
struct wlr_output_event_present;
struct wlr_scene_output;
struct wlr_surface;
struct fw_presentation;
struct fw_presentation_surface;

/*
 * Create the wp_presentation global on server->display, advertising
 * clock (CLOCK_MONOTONIC on every backend fenceway uses).  The returned
 * object is owned by the caller; free it with fw_presentation_destroy()
 * before the display is destroyed.  NULL on failure.
 */
struct fw_presentation *fw_presentation_create(struct fw_server *server,
	clockid_t clock);

/* Remove the global and free all bookkeeping (feedback resources left are
 * owned by their clients; they become inert). */
void fw_presentation_destroy(struct fw_presentation *presentation);

/*
 * output.c: a frame was really committed to scene_output->output (its
 * commit_seq advanced).  Latched feedbacks of every surface the frame shows
 * now wait for the present event of output->commit_seq.
 */
void fw_presentation_output_committed(struct fw_presentation *presentation,
	struct wlr_scene_output *scene_output);

/* output.c: forward of wlr_output.events.present. */
void fw_presentation_output_present(struct fw_presentation *presentation,
	const struct wlr_output_event_present *event);

/* output.c: the output is going away; its frames will never be presented. */
void fw_presentation_output_destroyed(struct fw_presentation *presentation,
	struct wlr_output *output);

/*
 * Per-surface state, for code that holds or drops commits (explicit sync).
 * Returns NULL when no feedback was ever requested for the surface.  The
 * object is owned by the presentation and lives until the surface is
 * destroyed; do not keep it across a return to the event loop.
 */
struct fw_presentation_surface *fw_presentation_surface_get(
	struct fw_presentation *presentation, struct wlr_surface *surface);

/* Number of feedbacks on the surface not yet sampled into a frame. */
size_t fw_presentation_surface_count(struct fw_presentation_surface *psurface);

/*
 * Send "discarded" to every feedback requested for the commit with this
 * surface seq (a commit that will never be applied).  Returns how many.
 */
size_t fw_presentation_surface_discard_commit(
	struct fw_presentation_surface *psurface, uint32_t seq);

#endif
