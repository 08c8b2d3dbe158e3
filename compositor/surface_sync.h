/*
 * Per-surface explicit-sync state: the double-buffered points/fences a
 * protocol object sets, and one record per commit from the moment the
 * client commits until that commit is superseded and released.
 *
 * The life of a commit (struct fw_es_commit):
 *   1. wl_surface.commit arrives; the pre-commit hook (before wlroots'
 *      handler runs) validates the pending state, moves it into a new
 *      record and, if the acquire fence is still pending, holds the commit
 *      with wlr_surface_lock_pending() (surface_sync_hold.c).
 *   2. The fence signals (or fails: that counts as signalled); the hold is
 *      dropped with wlr_surface_unlock_cached() and wlroots applies the
 *      state, in order, with everything queued behind it.
 *   3. wlroots applies it (surface commit event): it becomes the surface's
 *      current buffer commit and supersedes the previous one, which is
 *      retired: released now (surface_sync_release.c) -- pixman reads
 *      synchronously, so nothing composites the old buffer once the new
 *      state is applied -- or, if an output still scans the old buffer out,
 *      when it stops (surface_sync_scanout.c).
 *   4. The next buffer commit supersedes it in turn; or the surface dies and
 *      every record left is retired.
 *
 * Ownership: a struct fw_es_surface is an addon of its wlr_surface, created
 * when the client first asks for a sync object for it and freed with the
 * wlr_surface -- it outlives the protocol objects, so releases still owed
 * for committed buffers are paid after the sync object is destroyed.
 * Records are owned by their fw_es_surface (queue, current) or, once
 * deferred, by fw_es (deferred).  Every timeline and fence pointer below is
 * a reference the record (or pending state) owns; wl_resource pointers are
 * the client's, watched with destroy listeners.
 */
#ifndef FENCEWAY_SURFACE_SYNC_H
#define FENCEWAY_SURFACE_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/util/addon.h>

struct fw_es;
struct fw_es_client;
struct fw_fence;
struct fw_timeline;
struct fw_wait;
struct wlr_buffer;
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

/* A parent surface whose next commit we hold with a synchronized child. */
struct fw_es_parent_lock {
	struct wlr_surface *surface;   /* NULL once it is gone */
	uint32_t seq;
	struct wl_listener destroy;
};

struct fw_es_commit {
	struct fw_es *es;
	/* NULL once the surface is gone (a release deferred past it). */
	struct fw_es_surface *ess;
	/* NULL once the client is gone (explicit_sync_client.c clears it). */
	struct wl_client *client;
	uint32_t seq;              /* wlr_surface_state.seq of this commit */
	bool attach;               /* wl_surface.attach in this commit */
	bool null_attach;          /* ... of NULL */
	struct fw_es_state state;

	/* Holding (surface_sync_hold.c). */
	bool held;                 /* our lock on the surface state is taken */
	struct fw_wait *wait;      /* the fence wait, owned by es->loop */
	struct fw_fence *wait_fence;   /* what we wait for (ref owned) */
	int64_t held_since_ns;     /* CLOCK_MONOTONIC */
	bool held_logged;          /* "held too long" said once */
	struct fw_es_parent_lock *parent_locks;   /* synchronized ancestors */
	size_t n_parent_locks;

	/* Release (surface_sync_release.c): the fence behind an early
	 * fenced_release, signalled when this commit is superseded. */
	struct fw_fence *early_release;
	/* The buffer wlroots showed for this commit once applied (its
	 * wlr_client_buffer): compared with what outputs scan out, never
	 * dereferenced, not locked (surface_sync_scanout.c). */
	struct wlr_buffer *shown_buffer;

	/* fw_es_surface.queue while not applied; fw_es.deferred while its
	 * release waits for an output to stop scanning its buffer out. */
	struct wl_list link;
};

struct fw_es_surface {
	struct fw_es *es;
	struct wlr_surface *surface;
	struct wl_client *client;
	struct wlr_addon addon;          /* on surface->addons, owner es */
	struct wl_listener commit;       /* surface->events.commit */

	/* The protocol object bound to this surface (at most one); it points
	 * back here and is made inert when the surface goes. */
	struct fw_es_sync_object *sync;

	struct fw_es_state pending;

	/* Commits made but not applied yet (held, or queued behind a held
	 * one), oldest first.  Only buffer commits are recorded. */
	struct wl_list queue;            /* fw_es_commit.link */
	size_t n_queued;
	size_t n_held;
	/* The applied buffer commit whose release is still owed, or NULL. */
	struct fw_es_commit *current;

	struct wl_list link;             /* fw_es.surfaces */
};

/* ---- surface_sync.c ---- */

/* The state for surface, created on first use (NULL: out of memory). */
struct fw_es_surface *fw_es_surface_get(struct fw_es *es,
	struct wlr_surface *surface);
/* The state for surface if any. */
struct fw_es_surface *fw_es_surface_find(struct fw_es *es,
	struct wlr_surface *surface);
/*
 * The pre-commit hook: wl_surface.commit is about to be handled by
 * wlroots.  Validates, records, holds.
 */
void fw_es_surface_handle_commit_request(struct fw_es_surface *ess);

void fw_es_state_init(struct fw_es_state *state);
/* Drop every reference the state holds (an unanswered release resource is
 * left alone: the caller decides whether to answer it first). */
void fw_es_state_finish(struct fw_es_state *state);
void fw_es_state_set_release_resource(struct fw_es_state *state,
	struct wl_resource *resource);
/* Move src into dst (dst must be empty); src is left empty. */
void fw_es_state_move(struct fw_es_state *dst, struct fw_es_state *src);

void fw_es_commit_destroy(struct fw_es_commit *commit);
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
 * Hold commit (whose wl_surface.commit is being handled right now) until
 * fence signals.  Takes its own reference to fence.  false on allocation
 * failure (the client was sent no_memory).
 */
bool fw_es_commit_hold(struct fw_es_commit *commit, struct fw_fence *fence);
/* Forget a hold without unlocking the surface itself (the surface is being
 * destroyed); parent locks are released. */
void fw_es_commit_cancel_hold(struct fw_es_commit *commit);
/* A NULL attach is being committed behind queued commits: those will be
 * applied unmapped, as NULL attaches (see the .c for why). */
void fw_es_unmap_queued(struct fw_es_surface *ess);
/* The "held too long" check over every held commit; returns ms until the
 * next check is due, or 0 when none is needed. */
int fw_es_check_held_commits(struct fw_es *es);

/* ---- surface_sync_release.c ---- */

/* commit is superseded and no read of its buffer is left: release it
 * (commit is unlinked; it is freed). */
void fw_es_commit_release(struct fw_es_commit *commit);

/* ---- surface_sync_scanout.c ---- */

/*
 * commit is superseded (or its surface is gone): release it now, or, if an
 * output still scans its buffer out, as soon as none does (commit is
 * unlinked; it is freed or moves to es->deferred).
 */
void fw_es_commit_retire(struct fw_es_commit *commit);
/*
 * commit (just made, attaching a buffer) will be held: if the buffer
 * commit it supersedes asked for a zwp_linux_buffer_release_v1 and this
 * client's acquire fence was soft, answer it now with fenced_release and a
 * soft sync file that signals once commit is applied (DESIGN §4.2).
 */
void fw_es_commit_release_early(struct fw_es_commit *commit,
	struct fw_es_commit *superseded);

#endif
