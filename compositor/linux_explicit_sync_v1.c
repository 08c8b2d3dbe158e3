/*
 * zwp_linux_explicit_synchronization_v1 (version 2): sync files per commit.
 *
 * The client hands an acquire fence as a sync file fd with each buffer
 * (set_acquire_fence) and may ask for a release object (get_release) that
 * fenceway answers with exactly one fenced_release or immediate_release.
 * Sync files fenceway accepts: kernel sync_files and soft sync files of its
 * fence library (a fenceway extension).  fenceway accepts wl_shm buffers
 * too, so unsupported_buffer is never raised.
 *
 * Rules: duplicate_fence, duplicate_release, invalid_fence and no_surface
 * when the request arrives; no_buffer at wl_surface.commit (the commit
 * tracker's request hook).  The fd a client sends is closed on every path:
 * fw_sync_file_import() takes it, and the fence it gives keeps it while
 * pending (a file signalled at import is closed at once); either way it is
 * charged as one fd to the client's fd budget while we hold the fence, so
 * the budget does not depend on when the producer signals.  A held commit's wait is
 * charged to its wait budget, and the producer end of an early
 * fenced_release to its fd budget until that fence signals.
 *
 * Release: immediate_release when the tracker retires the commit -- except
 * when the superseding commit is itself held and its acquire fence was a
 * soft sync file: then fenced_release goes out at once, with a soft sync
 * file of ours that signals when the superseded commit is retired.  The
 * client can queue its next frame on it instead of waiting for an event.
 * Each client gets its own sync file, never a shared one (a receiver can
 * spoil its own copy).
 *
 * Objects:
 *   global resource   user data: struct fw_es
 *   surface resource  user data: struct v1_surface; inert (its surface
 *                     NULL) once the wl_surface is gone: requests then
 *                     fail with no_surface
 *   release resource  no requests; owned by the client, answered and
 *                     destroyed by us once its commit is retired
 *   struct v1_surface an addon of its wlr_surface, freed once both the
 *                     wl_surface and the object are gone: it outlives the
 *                     object, since a release object asked for belongs to
 *                     the next buffer commit even if the object is
 *                     destroyed first (protocol text)
 *   commit record     struct v1_commit, our slot on the tracker's commit
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#include <fenceway/fence.h>
#include <fenceway/sync_file.h>
#include "commit.h"
#include "explicit_sync_private.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"

#define SYNC_V1_VERSION 2

/* A zwp_linux_buffer_release_v1 to answer, watched until then. */
struct v1_release {
	struct wl_resource *resource; /* NULL: none (or the client's gone) */
	struct wl_listener destroy;
};

/* What one commit cycle sets (references owned). */
struct v1_state {
	struct fw_fence *acquire_fence;
	/* With acquire_fence: whose fd budget it is charged to (a
	 * reference; the fd is the fence's own dup of the sync file). */
	struct fw_client *fence_owner;
	bool acquire_soft; /* the client speaks our library */
	struct v1_release release;
};

struct v1_surface {
	struct fw_es *es;
	struct wlr_surface *surface;  /* NULL once gone */
	struct wlr_addon addon;       /* on surface->addons, owner es */
	struct wl_resource *resource; /* the live object, or NULL */
	struct v1_state pending;
};

struct v1_commit {
	struct fw_es_record base;
	struct v1_state state;
	/* The fence behind an early fenced_release, signalled at retirement;
	 * its sync file's producer end is charged to base.owner's fd budget
	 * until then. */
	struct fw_fence *early_release;
};

static void v1_describe_wait(const struct fw_commit *commit, void *data,
	char *buf, size_t len) {
	struct v1_commit *rec = wl_container_of(data, rec, base);
	fw_es_describe_fence(rec->state.acquire_fence, buf, len);
}

/* ---- release objects ---- */

static void release_handle_destroy(struct wl_listener *listener, void *data) {
	struct v1_release *release = wl_container_of(listener, release, destroy);
	/* The client destroyed it (or is going away): nothing to answer. */
	wl_list_remove(&release->destroy.link);
	wl_list_init(&release->destroy.link);
	release->resource = NULL;
}

/* Watch resource (NULL: stop watching). */
static void release_set(struct v1_release *release,
	struct wl_resource *resource) {
	wl_list_remove(&release->destroy.link);
	wl_list_init(&release->destroy.link);
	release->resource = resource;
	if (resource != NULL) {
		release->destroy.notify = release_handle_destroy;
		wl_resource_add_destroy_listener(resource, &release->destroy);
	}
}

static void state_init(struct v1_state *state) {
	memset(state, 0, sizeof(*state));
	wl_list_init(&state->release.destroy.link);
}

/* Drop the acquire fence and give its fd's charge back. */
static void state_drop_fence(struct v1_state *state) {
	if (state->acquire_fence == NULL) {
		return;
	}
	fw_fence_put(state->acquire_fence);
	fw_client_uncharge(state->fence_owner, FW_BUDGET_FDS, 1);
	fw_client_unref(state->fence_owner);
	state->acquire_fence = NULL;
	state->fence_owner = NULL;
	state->acquire_soft = false;
}

/* Drop the fence; an unanswered release object is left to its client. */
static void state_finish(struct v1_state *state) {
	state_drop_fence(state);
	release_set(&state->release, NULL);
	state_init(state);
}

/* Move src into the empty dst; src is left empty. */
static void state_move(struct v1_state *dst, struct v1_state *src) {
	struct wl_resource *release = src->release.resource;
	release_set(&src->release, NULL);
	dst->acquire_fence = src->acquire_fence;
	dst->fence_owner = src->fence_owner;
	dst->acquire_soft = src->acquire_soft;
	release_set(&dst->release, release);
	state_init(src);
}

/* ---- zwp_linux_surface_synchronization_v1 ---- */

static const struct zwp_linux_surface_synchronization_v1_interface sync_impl;

static struct v1_surface *surface_from_resource(struct wl_resource *resource) {
	assert(wl_resource_instance_of(resource,
		&zwp_linux_surface_synchronization_v1_interface, &sync_impl));
	return wl_resource_get_user_data(resource);
}

static void sync_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

/* The object's surface record, or NULL (no_surface posted; what: the
 * request). */
static struct v1_surface *live_surface(struct wl_resource *resource,
	const char *what) {
	struct v1_surface *v1s = surface_from_resource(resource);
	if (v1s->surface == NULL) {
		fw_es_post_error(v1s->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE,
			"no_surface: %s after the wl_surface was destroyed", what);
		return NULL;
	}
	return v1s;
}

static void sync_handle_set_acquire_fence(struct wl_client *client,
	struct wl_resource *resource, int32_t fd) {
	struct v1_surface *v1s = live_surface(resource, "acquire fence set");
	if (v1s == NULL) {
		close(fd);
		return;
	}
	if (v1s->pending.acquire_fence != NULL) {
		close(fd);
		fw_es_post_error(v1s->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_FENCE,
			"duplicate_fence: a second acquire fence in one commit cycle");
		return;
	}
	struct fw_client *owner = fw_es_client_record(v1s->es, client);
	if (owner == NULL) {
		close(fd);
		return;
	}
	/* One look at the fd: this runs on every commit.  The library takes
	 * the fd (a pending file's fence keeps it; otherwise it is closed). */
	enum fw_sync_file_kind kind;
	struct fw_fence *fence = fw_sync_file_import(fd, &kind);
	int err = errno;
	if (fence == NULL) {
		fw_es_post_error(v1s->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_INVALID_FENCE,
			"invalid_fence: cannot import sync file: %s (a kernel or "
			"fenceway soft sync file)",
			strerror(err));
		return;
	}
	if (!fw_client_charge(owner, FW_BUDGET_FDS, 1)) {
		fw_fence_put(fence);
		fw_es_post_budget_error(v1s->es, client, FW_BUDGET_FDS,
			"an acquire fence (%" PRIu32 " fds pinned)",
			owner->charged[FW_BUDGET_FDS]);
		return;
	}
	v1s->pending.acquire_fence = fence;
	v1s->pending.fence_owner = fw_client_ref(owner);
	v1s->pending.acquire_soft = kind == FW_SYNC_FILE_SOFT;
}

static void sync_handle_get_release(struct wl_client *client,
	struct wl_resource *resource, uint32_t id) {
	struct v1_surface *v1s = live_surface(resource, "buffer release asked");
	if (v1s == NULL) {
		return;
	}
	if (v1s->pending.release.resource != NULL) {
		fw_es_post_error(v1s->es, resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE,
			"duplicate_release: a second buffer release in one commit cycle");
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
	release_set(&v1s->pending.release, release);
}

static const struct zwp_linux_surface_synchronization_v1_interface sync_impl = {
	.destroy = sync_handle_destroy,
	.set_acquire_fence = sync_handle_set_acquire_fence,
	.get_release = sync_handle_get_release,
};

static void surface_addon_destroy(struct wlr_addon *addon) {
	struct v1_surface *v1s = wl_container_of(addon, v1s, addon);
	/* The wl_surface goes: what was set since the last commit goes too;
	 * the object, if any, stays for the client to destroy, inert. */
	state_finish(&v1s->pending);
	v1s->surface = NULL;
	wlr_addon_finish(&v1s->addon);
	if (v1s->resource == NULL) {
		free(v1s);
	}
}

static const struct wlr_addon_interface surface_addon_impl = {
	.name = "zwp_linux_surface_synchronization_v1",
	.destroy = surface_addon_destroy,
};

static void sync_handle_resource_destroy(struct wl_resource *resource) {
	struct v1_surface *v1s = surface_from_resource(resource);
	v1s->resource = NULL;
	if (v1s->surface == NULL) {
		free(v1s);
		return;
	}
	/* A fence set since the last commit is discarded; a release object is
	 * not (protocol text): a pending one still belongs to the next buffer
	 * commit. */
	state_drop_fence(&v1s->pending);
	fw_es_unclaim(v1s->es, v1s->surface);
}

/* ---- the commit hooks ---- */

/* false (error posted) if the commit breaks a rule. */
static bool check_rules(struct v1_surface *v1s, bool has_buffer) {
	if (has_buffer || v1s->resource == NULL) {
		/* Without its object, nothing can be posted on it; a release
		 * object still pending goes with the next buffer commit. */
		return true;
	}
	const char *rule = v1s->pending.acquire_fence != NULL
		? "no_buffer: acquire fence set without a buffer attached"
		: v1s->pending.release.resource != NULL
		? "no_buffer: buffer release asked without a buffer attached"
		: NULL;
	if (rule != NULL) {
		fw_es_post_error(v1s->es, v1s->resource,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER, "%s", rule);
		return false;
	}
	return true;
}

/*
 * rec is held on a soft sync file: if the commit it supersedes asked for a
 * release, answer it now with fenced_release and a fence of ours that
 * signals when that commit is retired.
 */
static void release_early(struct v1_commit *rec, struct v1_commit *superseded) {
	if (superseded->early_release != NULL ||
		superseded->state.release.resource == NULL) {
		return;
	}
	/* Past the fd budget the client just gets immediate_release later:
	 * the early fence is ours to offer, not the client's to demand. */
	if (!fw_client_charge(superseded->base.owner, FW_BUDGET_FDS, 1)) {
		return;
	}
	/* Signalled at retirement, which every commit reaches: the library
	 * need not watch for receivers that leave before. */
	struct fw_fence *fence = fw_es_create_out_fence(rec->base.es);
	int fd = fence != NULL
		? fw_sync_file_create_flags(fence, FW_SYNC_FILE_CALLER_SIGNALS)
		: -ENOMEM;
	if (fd < 0) {
		fw_client_uncharge(superseded->base.owner, FW_BUDGET_FDS, 1);
		/* Not fatal: immediate_release then comes at retirement. */
		wlr_log(WLR_ERROR,
			"explicit-sync: cannot create a release sync "
			"file: %s",
			strerror(-fd));
		if (fence != NULL) {
			fw_fence_signal(fence, -ECANCELED);
			fw_fence_put(fence);
		}
		return;
	}
	struct wl_resource *resource = superseded->state.release.resource;
	release_set(&superseded->state.release, NULL);
	zwp_linux_buffer_release_v1_send_fenced_release(resource, fd);
	/* libwayland dups fds it sends; ours goes now. */
	close(fd);
	wl_resource_destroy(resource);
	superseded->early_release = fence;
	wlr_log(WLR_DEBUG,
		"explicit-sync: commit %" PRIu32 ": early "
		"fenced_release, signals when commit %" PRIu32 " applies",
		fw_commit_seq(superseded->base.commit),
		fw_commit_seq(rec->base.commit));
}

static bool v1_handle_request(struct fw_commit *commit, void *data) {
	struct fw_es_global *g = data;
	struct fw_es *es = g->es;
	struct wlr_surface *surface = fw_commit_surface(commit);
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &surface_addon_impl);
	if (addon == NULL || fw_es_client_failed(es, fw_commit_client(commit))) {
		/* Never asked for (plain implicit behaviour), or a client we posted
		 * an error to: it gets nothing more from us. */
		return true;
	}
	struct v1_surface *v1s = wl_container_of(addon, v1s, addon);
	bool attach = fw_commit_attaches(commit);
	if (!check_rules(v1s, attach && !fw_commit_null_attach(commit))) {
		return false;
	}
	if (fw_commit_over_cap(commit) && v1s->resource != NULL) {
		fw_es_post_cap_error(es, fw_commit_client(commit), "%s",
			FW_COMMIT_CAP_MESSAGE);
		return false;
	}
	if (!attach) {
		return true;
	}
	struct v1_commit *rec = calloc(1, sizeof(*rec));
	if (rec == NULL) {
		fw_es_post_no_memory(es, fw_commit_client(commit));
		return false;
	}
	if (!fw_es_record_init(&rec->base, es, commit)) {
		free(rec);
		return false;
	}
	state_init(&rec->state);
	state_move(&rec->state, &v1s->pending);
	fw_commit_set_slot(commit, g->sub, rec);
	struct fw_fence *fence = rec->state.acquire_fence;
	if (fence == NULL) {
		return true;
	}
	if (!fw_es_record_wait(&rec->base, fence, NULL,
			fw_fence_timeline_name(fence), fw_fence_seqno(fence),
			v1_describe_wait)) {
		return false;
	}
	struct fw_commit *previous = fw_commit_previous_attach(commit);
	struct v1_commit *superseded =
		previous != NULL ? fw_commit_get_slot(previous, g->sub) : NULL;
	if (rec->base.wait != NULL && rec->state.acquire_soft &&
		superseded != NULL) {
		release_early(rec, superseded);
	}
	return true;
}

static void v1_handle_retired(struct fw_commit *commit, void *data) {
	struct fw_es_global *g = data;
	struct v1_commit *rec = fw_commit_get_slot(commit, g->sub);
	if (rec == NULL) {
		return;
	}
	fw_commit_set_slot(commit, g->sub, NULL);
	if (rec->early_release != NULL) {
		/* fenced_release went out already; its fence signals now, and
		 * the library closes the producer end. */
		fw_fence_signal(rec->early_release, 0);
		fw_fence_put(rec->early_release);
		fw_client_uncharge(rec->base.owner, FW_BUDGET_FDS, 1);
	} else if (rec->state.release.resource != NULL &&
		fw_es_record_client_alive(&rec->base)) {
		struct wl_resource *resource = rec->state.release.resource;
		release_set(&rec->state.release, NULL);
		zwp_linux_buffer_release_v1_send_immediate_release(resource);
		wl_resource_destroy(resource);
	}
	fw_es_record_finish(&rec->base);
	state_finish(&rec->state);
	free(rec);
}

static const struct fw_commit_hooks v1_hooks = {
	.request = v1_handle_request,
	.retired = v1_handle_retired,
};

/* ---- zwp_linux_explicit_synchronization_v1 ---- */

static void global_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void global_handle_get_synchronization(struct wl_client *client,
	struct wl_resource *resource, uint32_t id,
	struct wl_resource *surface_resource) {
	struct fw_es *es = wl_resource_get_user_data(resource);
	struct wlr_surface *surface = wlr_surface_from_resource(surface_resource);
	if (fw_es_client_get(es, client) == NULL ||
		!fw_es_claim(es, surface, FW_ES_SYNC_V1, resource,
			ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS)) {
		return;
	}
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, es, &surface_addon_impl);
	struct v1_surface *v1s = NULL;
	if (addon != NULL) {
		v1s = wl_container_of(addon, v1s, addon);
	} else if ((v1s = calloc(1, sizeof(*v1s))) != NULL) {
		v1s->es = es;
		v1s->surface = surface;
		state_init(&v1s->pending);
		wlr_addon_init(&v1s->addon, &surface->addons, es, &surface_addon_impl);
	}
	struct wl_resource *sync = v1s == NULL
		? NULL
		: wl_resource_create(client,
			  &zwp_linux_surface_synchronization_v1_interface,
			  wl_resource_get_version(resource), id);
	if (sync == NULL) {
		/* A record just made stays with the surface, harmless. */
		fw_es_unclaim(es, surface);
		fw_es_post_no_memory(es, client);
		return;
	}
	v1s->resource = sync;
	wl_resource_set_implementation(sync, &sync_impl, v1s,
		sync_handle_resource_destroy);
}

static const struct zwp_linux_explicit_synchronization_v1_interface
	global_impl = {
		.destroy = global_handle_destroy,
		.get_synchronization = global_handle_get_synchronization,
};

bool fw_linux_explicit_sync_v1_init(struct fw_es *es) {
	return fw_es_global_init(&es->sync_v1, es,
		&zwp_linux_explicit_synchronization_v1_interface, SYNC_V1_VERSION,
		&global_impl, &v1_hooks);
}
