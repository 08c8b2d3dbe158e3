/*
 * Per-surface explicit-sync state: the double-buffered points/fences a
 * protocol object sets, and one record per buffer commit -- the module's
 * slot on the commit tracker's struct fw_commit (commit.h) -- from the
 * moment the client commits until the tracker retires that commit.
 *
 * The life of a commit, as the module sees it:
 *   1. request hook: validate the pending state, move it into a new record
 *      and, if the acquire fence is still pending, ask the tracker to hold
 *      the commit and wait for the fence (surface_sync_hold.c).
 *   2. The fence signals (or fails: that counts as signalled); the hold is
 *      let go and wlroots applies the state, in order, with everything
 *      queued behind it.
 *   3. retired hook: the commit is superseded and no read of its buffer is
 *      left (or its surface is gone): it is released
 *      (surface_sync_release.c).
 *
 * Ownership: a struct fw_es_surface is an addon of its wlr_surface, created
 * when the client first asks for a sync object for it and freed with the
 * wlr_surface -- it outlives the protocol objects.  Records are owned by
 * the module (listed on fw_es.commits) and freed at their retired hook.
 * Every timeline and fence pointer below is a reference the record (or
 * pending state) owns; wl_resource pointers are the client's, watched with
 * destroy listeners.
 */
#ifndef FENCEWAY_SURFACE_SYNC_H
#define FENCEWAY_SURFACE_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/util/addon.h>

struct fw_es;
struct fw_commit;
struct fw_commit_hooks;
struct fw_es_client;
struct fw_fence;
struct fw_timeline;
struct fw_wait;
struct wlr_surface;

/* Which protocol a piece of state came from. */
enum fw_es_protocol {
	FW_ES_NONE = 0,
	FW_ES_SYNCOBJ_V1,     /* wp_linux_drm_syncobj_surface_v1 */
	FW_ES_SYNC_V1,        /* zwp_linux_surface_synchronization_v1 */
};

/*
 * A protocol object bound to a surface (wp_linux_drm_syncobj_surface_v1 or
 * zwp_linux_surface_synchronization_v1); the resource's user data, owned by
 * the resource and freed with it.  ess is NULL once the wl_surface is gone
 * (the object is inert: its requests fail with no_surface).
 */
struct fw_es_sync_object {
	struct fw_es *es;
	struct fw_es_surface *ess;
	enum fw_es_protocol protocol;
	struct wl_resource *resource;
};

/* One commit's explicit-sync state (double-buffered, moved at commit). */
struct fw_es_state {
	/* syncobj v1: points on timelines (refs owned). */
	struct fw_timeline *acquire_timeline;
	uint64_t acquire_point;
	struct fw_timeline *release_timeline;
	uint64_t release_point;

	/* sync v1: the acquire fence (ref owned) and whether it came as a soft
	 * sync file (then the client speaks our library). */
	struct fw_fence *acquire_fence;
	bool acquire_soft;
	/* sync v1: zwp_linux_buffer_release_v1 to answer (client-owned
	 * resource; we listen for its destruction). */
	struct wl_resource *release_resource;
	struct wl_listener release_resource_destroy;
};

struct fw_es_commit {
	struct fw_es *es;
	struct fw_commit *commit;  /* the tracker's; valid until retired */
	/* NULL once the client is gone (explicit_sync_client.c clears it). */
	struct wl_client *client;
	struct fw_es_state state;

	/* The fence wait of a held commit (surface_sync_hold.c), owned by
	 * es->loop; NULL when not waiting. */
	struct fw_wait *wait;

	/* Release (surface_sync_release.c): the fence behind an early
	 * fenced_release, signalled when this commit is retired. */
	struct fw_fence *early_release;

	struct wl_list link;       /* fw_es.commits */
};

struct fw_es_surface {
	struct fw_es *es;
	struct wlr_surface *surface;
	struct wl_client *client;
	struct wlr_addon addon;          /* on surface->addons, owner es */

	/* The protocol object bound to this surface (at most one); it points
	 * back here and is made inert when the surface goes. */
	struct fw_es_sync_object *sync;

	struct fw_es_state pending;

	struct wl_list link;             /* fw_es.surfaces */
};

/* ---- surface_sync.c ---- */

/* The state for surface, created on first use (NULL: out of memory). */
struct fw_es_surface *fw_es_surface_get(struct fw_es *es,
	struct wlr_surface *surface);
/* The state for surface if any. */
struct fw_es_surface *fw_es_surface_find(struct fw_es *es,
	struct wlr_surface *surface);
/* The module's hooks on the commit tracker (data: struct fw_es). */
extern const struct fw_commit_hooks fw_es_commit_hooks;

void fw_es_state_init(struct fw_es_state *state);
/* Drop every reference the state holds (an unanswered release resource is
 * left alone: the caller decides whether to answer it first). */
void fw_es_state_finish(struct fw_es_state *state);
void fw_es_state_set_release_resource(struct fw_es_state *state,
	struct wl_resource *resource);
/* Move src into dst (dst must be empty); src is left empty. */
void fw_es_state_move(struct fw_es_state *dst, struct fw_es_state *src);

/* A fence that signalled with an error counts as signalled (as in the
 * kernel); the commit is applied and this logs who and which timeline. */
void fw_es_log_failed_fence(struct fw_es_commit *commit,
	struct fw_fence *fence);

/*
 * The whole of both protocols' per-surface factory request
 * (wp_linux_drm_syncobj_manager_v1.get_surface and
 * zwp_linux_explicit_synchronization_v1.get_synchronization), kept in one
 * place so the two cannot diverge: find or make the state of
 * surface_resource's wl_surface, refuse a second object for it (error
 * exists_code on manager_resource, whichever protocol the first one used),
 * create resource id of interface at the manager's version and set impl
 * and destroy on it with the new object as user data.
 *
 * Returns the object, owned by its resource: destroy must end with
 * fw_es_sync_object_destroy().  NULL when nothing was bound; an error (or
 * no_memory) has then been posted.
 */
struct fw_es_sync_object *fw_es_sync_object_create(struct fw_es *es,
	enum fw_es_protocol protocol, struct wl_resource *manager_resource,
	struct wl_resource *surface_resource, uint32_t exists_code, uint32_t id,
	const struct wl_interface *interface, const void *impl,
	wl_resource_destroy_func_t destroy);
/* The resource is being destroyed: unbind (pending state is the caller's
 * to clear first) and free. */
void fw_es_sync_object_destroy(struct fw_es_sync_object *obj);

/* ---- surface_sync_hold.c ---- */

/*
 * Hold record's commit (whose request hook runs right now) until fence
 * signals.  false on allocation failure (the client was sent no_memory).
 */
bool fw_es_commit_hold(struct fw_es_commit *record, struct fw_fence *fence);

/* ---- surface_sync_release.c ---- */

/* record's commit is retired: cancel any wait, release, free record. */
void fw_es_commit_release(struct fw_es_commit *record);
/*
 * record (just made, attaching a buffer) is held: if the commit it
 * supersedes asked for a zwp_linux_buffer_release_v1 and this client's
 * acquire fence was soft, answer it now with fenced_release and a soft
 * sync file that signals once that commit is retired.
 */
void fw_es_commit_release_early(struct fw_es_commit *record,
	struct fw_es_commit *superseded);

#endif
