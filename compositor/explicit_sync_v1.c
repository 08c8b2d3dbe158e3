/*
 * zwp_linux_explicit_synchronization_v1 (version 2): sync files per commit.
 *
 * The client hands an acquire fence as a sync file fd with each buffer
 * (set_acquire_fence) and may ask for a release object (get_release) that
 * fenceway answers with exactly one fenced_release or immediate_release
 * (surface_sync_release.c).  Sync files fenceway accepts: kernel sync_files
 * and soft sync files of its fence library (a fenceway extension).  fenceway
 * accepts wl_shm buffers too, so unsupported_buffer is never raised.
 *
 * Per-cycle rules checked here, at request time: duplicate_fence,
 * duplicate_release, invalid_fence, no_surface.  no_buffer is a commit-time
 * rule (surface_sync.c).  The fd a client sends is closed on every path:
 * fw_sync_file_get_fence() borrows it.
 *
 * Objects:
 *   global resource   user data: struct fw_es
 *   surface resource  user data: struct fw_es_sync_object (surface_sync.h),
 *                     inert once the wl_surface is gone (no_surface)
 *   release resource  no requests; owned by the client, answered and
 *                     destroyed by us once its commit is released
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <fenceway/fence.h>
#include <fenceway/sync_file.h>
#include "explicit_sync_private.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"
#include "surface_sync.h"

#define SYNC_V1_VERSION 2

/* ---- zwp_linux_surface_synchronization_v1 ---- */

static void sync_handle_destroy(struct wl_client *client,
		struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void sync_handle_set_acquire_fence(struct wl_client *client,
		struct wl_resource *resource, int32_t fd) {
	struct fw_es_sync_object *obj = wl_resource_get_user_data(resource);
	struct fw_es_surface *ess = obj->ess;
	if (ess == NULL) {
		close(fd);
		fw_es_post_error(obj->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE,
			"acquire fence set after the wl_surface was destroyed");
		return;
	}
	if (ess->pending.acquire_fence != NULL) {
		close(fd);
		fw_es_post_error(ess->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_FENCE,
			"a second acquire fence in one commit cycle");
		return;
	}
	enum fw_sync_file_kind kind = fw_sync_file_kind(fd);
	struct fw_fence *fence = fw_sync_file_get_fence(fd);
	int err = errno;
	/* Borrowed by the library (it keeps what it needs): ours to close. */
	close(fd);
	if (fence == NULL) {
		fw_es_post_error(ess->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_INVALID_FENCE,
			"the acquire fence is not a sync file (kernel or fenceway soft): %s",
			strerror(err));
		return;
	}
	ess->pending.acquire_fence = fence;
	ess->pending.acquire_soft = kind == FW_SYNC_FILE_SOFT;
}

static void sync_handle_get_release(struct wl_client *client,
		struct wl_resource *resource, uint32_t id) {
	struct fw_es_sync_object *obj = wl_resource_get_user_data(resource);
	struct fw_es_surface *ess = obj->ess;
	if (ess == NULL) {
		fw_es_post_error(obj->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE,
			"buffer release requested after the wl_surface was destroyed");
		return;
	}
	if (ess->pending.release_resource != NULL) {
		fw_es_post_error(ess->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE,
			"a second buffer release in one commit cycle");
		return;
	}
	struct wl_resource *release = wl_resource_create(client,
		&zwp_linux_buffer_release_v1_interface, 1, id);
	if (release == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	/* Events only; its life ends with the event we send, or the client. */
	wl_resource_set_implementation(release, NULL, NULL, NULL);
	fw_es_state_set_release_resource(&ess->pending, release);
}

static const struct zwp_linux_surface_synchronization_v1_interface sync_impl = {
	.destroy = sync_handle_destroy,
	.set_acquire_fence = sync_handle_set_acquire_fence,
	.get_release = sync_handle_get_release,
};

static void sync_handle_resource_destroy(struct wl_resource *resource) {
	struct fw_es_sync_object *obj = wl_resource_get_user_data(resource);
	struct fw_es_surface *ess = obj->ess;
	if (ess != NULL) {
		/* A fence set since the last commit is discarded; release objects
		 * are not affected (protocol text): a pending one still belongs to
		 * the next buffer commit. */
		fw_fence_put(ess->pending.acquire_fence);
		ess->pending.acquire_fence = NULL;
		ess->pending.acquire_soft = false;
	}
	fw_es_sync_object_destroy(obj);
}

/* ---- zwp_linux_explicit_synchronization_v1 ---- */

static void global_handle_destroy(struct wl_client *client,
		struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void global_handle_get_synchronization(struct wl_client *client,
		struct wl_resource *resource, uint32_t id,
		struct wl_resource *surface_resource) {
	fw_es_sync_object_create(wl_resource_get_user_data(resource),
		FW_ES_SYNC_V1, resource, surface_resource,
		ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS, id,
		&zwp_linux_surface_synchronization_v1_interface, &sync_impl,
		sync_handle_resource_destroy);
}

static const struct zwp_linux_explicit_synchronization_v1_interface global_impl = {
	.destroy = global_handle_destroy,
	.get_synchronization = global_handle_get_synchronization,
};

bool fw_sync_v1_init(struct fw_es *es) {
	return fw_es_global_init(&es->sync_v1, es,
		&zwp_linux_explicit_synchronization_v1_interface, SYNC_V1_VERSION,
		&global_impl);
}
