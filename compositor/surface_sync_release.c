/*
 * Releases (docs/explicit-sync.md).
 *
 * A commit is released exactly once, when the commit tracker retires it:
 * it is superseded (by another buffer, by the same buffer attached again,
 * or by a NULL attach) and every read of its buffer is done -- or its
 * surface went away, which also covers commits that were never shown.
 * fenceway renders with pixman on the CPU, so reads are synchronous; an
 * output that scans the buffer out directly reads it until it moves on,
 * and the tracker retires the commit only then.  The commit on screen is
 * therefore never released early.
 *
 *   wp_linux_drm_syncobj_surface_v1: signal the release point.
 *   zwp_linux_buffer_release_v1:     immediate_release; or, if the
 *       superseding commit is itself held and its acquire fence was a soft
 *       sync file, a fenced_release sent at once with a soft sync file of
 *       ours that signals when that commit is applied -- the client can
 *       queue its next frame on it instead of waiting for an event.  Each
 *       client gets its own sync file, never a shared one (a receiver can
 *       spoil its own copy).
 * wl_buffer.release is wlroots' business and still sent as usual.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>
#include <fenceway/fence.h>
#include <fenceway/sync_file.h>
#include <fenceway/timeline.h>
#include <stdlib.h>
#include <fenceway/loop.h>
#include "commit.h"
#include "explicit_sync_private.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"
#include "surface_sync.h"

void fw_es_commit_release(struct fw_es_commit *commit) {
	if (commit->wait != NULL) {
		/* Never applied (its surface went): the fence does not matter. */
		fw_wait_cancel(commit->wait);
		commit->wait = NULL;
	}
	/* While libwayland destroys a client it frees that client's resources
	 * itself; we only answer clients that are still there. */
	bool client_alive = commit->client != NULL &&
		fw_es_client_find(commit->es, commit->client) != NULL;

	if (commit->state.release_timeline != NULL) {
		int ret = fw_timeline_signal(commit->state.release_timeline,
			commit->state.release_point);
		if (ret < 0) {
			wlr_log(WLR_ERROR, "explicit-sync: signalling release point %"
				PRIu64 " on timeline '%s' failed: %s",
				commit->state.release_point,
				fw_timeline_name(commit->state.release_timeline),
				strerror(-ret));
		}
	}

	if (commit->early_release != NULL) {
		/* fenced_release went out already; its fence signals now. */
		fw_fence_signal(commit->early_release, 0);
	} else if (commit->state.release_resource != NULL) {
		struct wl_resource *resource = commit->state.release_resource;
		fw_es_state_set_release_resource(&commit->state, NULL);
		if (client_alive) {
			zwp_linux_buffer_release_v1_send_immediate_release(resource);
			wl_resource_destroy(resource);
		}
	}
	fw_es_state_finish(&commit->state);
	fw_fence_put(commit->early_release);
	wl_list_remove(&commit->link);
	free(commit);
}

void fw_es_commit_release_early(struct fw_es_commit *commit,
		struct fw_es_commit *superseded) {
	if (superseded->early_release != NULL ||
			superseded->state.release_resource == NULL) {
		return;
	}
	struct fw_fence *fence = fw_es_create_out_fence(commit->es);
	if (fence == NULL) {
		/* Not fatal: the release is then sent when the commit applies. */
		wlr_log(WLR_ERROR, "explicit-sync: cannot create an out-fence");
		return;
	}
	int fd = fw_sync_file_create(fence);
	if (fd < 0) {
		wlr_log(WLR_ERROR, "explicit-sync: cannot create a sync file: %s",
			strerror(-fd));
		fw_fence_signal(fence, -ECANCELED);
		fw_fence_put(fence);
		return;
	}
	struct wl_resource *resource = superseded->state.release_resource;
	fw_es_state_set_release_resource(&superseded->state, NULL);
	zwp_linux_buffer_release_v1_send_fenced_release(resource, fd);
	/* libwayland dups fds it sends; ours goes now. */
	close(fd);
	wl_resource_destroy(resource);
	superseded->early_release = fence;
	wlr_log(WLR_DEBUG, "explicit-sync: wl_surface@%" PRIu32 " commit %" PRIu32
		": early fenced_release, signals when commit %" PRIu32 " applies",
		wl_resource_get_id(fw_commit_surface(commit->commit)->resource),
		fw_commit_seq(superseded->commit), fw_commit_seq(commit->commit));
}
