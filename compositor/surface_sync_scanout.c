/*
 * Releases wait while an output still scans a buffer out (DESIGN §4.3,
 * ANCHORS §5.1).
 *
 * When one surface exactly covers an output, wlroots 0.15's scene hands the
 * client's buffer to the output instead of compositing (direct scan-out;
 * docs/compositor.md found it happens even headless with pixman and wl_shm).
 * The output then reads that buffer until a later output commit replaces
 * it -- on KMS until the page flip to the new buffer has happened, which is
 * the present event of that commit.  Superseding the commit does not end
 * those reads, so its release must wait.
 *
 * So we follow, per output, the buffer of its last commit and the buffer of
 * its last presented commit; a superseded commit whose buffer is either is
 * parked on es->deferred and released at the output event that frees it.
 * Buffers are compared by pointer only: while an output uses a buffer it
 * holds a lock on it, so a match is never a freed buffer; a stale pointer
 * can at worst delay a release to the next output commit, never advance it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/types/wlr_output.h>
#include <wlr/util/log.h>
#include "explicit_sync_private.h"
#include "output.h"
#include "server.h"
#include "surface_sync.h"

struct fw_es_output {
	struct fw_es *es;
	struct wlr_output *output;
	struct wlr_buffer *attached;    /* buffer of the commit in progress */
	struct wlr_buffer *committed;   /* buffer of the last commit */
	uint32_t committed_seq;
	struct wlr_buffer *shown;       /* buffer of the last presented commit */
	struct wl_listener precommit;
	struct wl_listener commit;
	struct wl_listener present;
	struct wl_listener destroy;
	struct wl_list link;            /* fw_es.outputs */
};

static bool buffer_on_output(struct fw_es *es, struct wlr_buffer *buffer) {
	struct fw_es_output *o;
	wl_list_for_each(o, &es->outputs, link) {
		if (o->committed == buffer || o->shown == buffer) {
			return true;
		}
	}
	return false;
}

/* Pay the deferred releases whose buffer no output uses any more. */
static void release_deferred(struct fw_es *es) {
	struct fw_es_commit *commit, *tmp;
	wl_list_for_each_safe(commit, tmp, &es->deferred, link) {
		if (buffer_on_output(es, commit->shown_buffer)) {
			continue;
		}
		wl_list_remove(&commit->link);
		fw_es_commit_release(commit);
	}
}

void fw_es_commit_retire(struct fw_es_commit *commit) {
	struct fw_es *es = commit->es;
	if (commit->shown_buffer == NULL ||
			!buffer_on_output(es, commit->shown_buffer)) {
		fw_es_commit_release(commit);
		return;
	}
	wlr_log(WLR_DEBUG, "explicit-sync: commit %" PRIu32 " superseded while an "
		"output scans its buffer out; release deferred", commit->seq);
	/* Its surface, and its client, may go before the output moves on:
	 * the record now stands alone (explicit_sync_client.c forgets the
	 * client when it goes; one already on its way out is forgotten now). */
	commit->ess = NULL;
	if (commit->client != NULL &&
			fw_es_client_find(es, commit->client) == NULL) {
		commit->client = NULL;
	}
	wl_list_insert(es->deferred.prev, &commit->link);
}

/*
 * 0.15's commit event leaves its buffer field NULL for a scanned-out client
 * buffer; the pending state still names it at precommit.
 */
static void output_handle_precommit(struct wl_listener *listener,
		void *data) {
	struct fw_es_output *o = wl_container_of(listener, o, precommit);
	o->attached = (o->output->pending.committed & WLR_OUTPUT_STATE_BUFFER) ?
		o->output->pending.buffer : NULL;
}

static void output_handle_commit(struct wl_listener *listener, void *data) {
	struct fw_es_output *o = wl_container_of(listener, o, commit);
	const struct wlr_output_event_commit *event = data;
	if (!(event->committed & WLR_OUTPUT_STATE_BUFFER)) {
		return;
	}
	o->committed = event->buffer != NULL ? event->buffer : o->attached;
	o->attached = NULL;
	o->committed_seq = o->output->commit_seq;
	release_deferred(o->es);
}

static void output_handle_present(struct wl_listener *listener, void *data) {
	struct fw_es_output *o = wl_container_of(listener, o, present);
	const struct wlr_output_event_present *event = data;
	if (event->commit_seq != o->committed_seq) {
		return;
	}
	if (event->presented) {
		/* The new buffer is on screen: the one before it is free. */
		o->shown = o->committed;
	} else {
		/* That frame never reached the screen; the old one stays. */
		o->committed = o->shown;
	}
	release_deferred(o->es);
}

/* Stop following o's output and free o; what it kept waiting is the
 * caller's to release (release_deferred), once for any number of outputs. */
static void untrack_output(struct fw_es_output *o) {
	wl_list_remove(&o->precommit.link);
	wl_list_remove(&o->commit.link);
	wl_list_remove(&o->present.link);
	wl_list_remove(&o->destroy.link);
	wl_list_remove(&o->link);
	free(o);
}

static void output_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_es_output *o = wl_container_of(listener, o, destroy);
	struct fw_es *es = o->es;
	untrack_output(o);
	release_deferred(es);
}

static void track_output(struct fw_es *es, struct wlr_output *output) {
	struct fw_es_output *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		/* Without it a scanned-out buffer could be released a frame early;
		 * say so rather than fail the output. */
		wlr_log(WLR_ERROR, "explicit-sync: out of memory tracking output %s",
			output->name);
		return;
	}
	o->es = es;
	o->output = output;
	o->precommit.notify = output_handle_precommit;
	wl_signal_add(&output->events.precommit, &o->precommit);
	o->commit.notify = output_handle_commit;
	wl_signal_add(&output->events.commit, &o->commit);
	o->present.notify = output_handle_present;
	wl_signal_add(&output->events.present, &o->present);
	o->destroy.notify = output_handle_destroy;
	wl_signal_add(&output->events.destroy, &o->destroy);
	wl_list_insert(&es->outputs, &o->link);
}

static void handle_new_output(struct wl_listener *listener, void *data) {
	struct fw_es *es = wl_container_of(listener, es, new_output);
	track_output(es, data);
}

void fw_es_outputs_init(struct fw_es *es) {
	wl_list_init(&es->outputs);
	wl_list_init(&es->deferred);
	/* Outputs that exist already (the module may start after some), then
	 * every new one. */
	struct fw_output *output;
	wl_list_for_each(output, &es->server->outputs, link) {
		track_output(es, output->wlr_output);
	}
	es->new_output.notify = handle_new_output;
	wl_signal_add(&es->server->backend->events.new_output, &es->new_output);
}

void fw_es_outputs_finish(struct fw_es *es) {
	wl_list_remove(&es->new_output.link);
	struct fw_es_output *o, *tmp;
	wl_list_for_each_safe(o, tmp, &es->outputs, link) {
		untrack_output(o);
	}
	/* No output is left to read anything. */
	release_deferred(es);
}
