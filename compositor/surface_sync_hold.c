/*
 * The fence wait of a held commit -- per surface, never globally, and never
 * by waiting on the main thread.
 *
 * The commit tracker holds the commit (wlroots caches its state); the wait
 * itself is a fw_loop wait: the fence library signals an fd that sits in
 * the wl_event_loop, and the callback runs on the main thread from there
 * and lets the commit go.
 */
#include <inttypes.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include <fenceway/fence.h>
#include <fenceway/loop.h>
#include <fenceway/timeline.h>
#include "commit.h"
#include "explicit_sync_private.h"
#include "surface_sync.h"

static void hold_handle_signal(struct fw_wait *wait, struct fw_fence *fence,
		void *data) {
	struct fw_es_commit *record = data;
	/* The loop frees the wait when we return. */
	record->wait = NULL;
	if (fw_fence_get_status(fence) < 0) {
		fw_es_log_failed_fence(record, fence);
	}
	fw_commit_unhold(record->commit);
}

bool fw_es_commit_hold(struct fw_es_commit *record, struct fw_fence *fence) {
	struct fw_es *es = record->es;
	const struct fw_es_state *state = &record->state;
	record->wait = fw_loop_wait_fence(es->loop, fence, hold_handle_signal,
		record);
	if (record->wait == NULL) {
		fw_es_post_no_memory(es, record->client);
		return false;
	}
	/* The name belongs to the record's acquire timeline or fence, which
	 * the record references while the commit is held. */
	const char *name = state->acquire_timeline != NULL ?
		fw_timeline_name(state->acquire_timeline) :
		fw_fence_timeline_name(fence);
	uint64_t point = state->acquire_timeline != NULL ?
		state->acquire_point : fw_fence_seqno(fence);
	if (!fw_commit_hold(record->commit, name, point)) {
		fw_wait_cancel(record->wait);
		record->wait = NULL;
		fw_es_post_no_memory(es, record->client);
		return false;
	}
	return true;
}
