/*
 * The commit tracker: the one owner of a surface commit's life.
 *
 * Every wl_surface.commit of every client becomes a struct fw_commit,
 * keyed by the surface state's seq, from the moment the request arrives
 * until nothing refers to it any more.  Protocols and presentation follow
 * that life through hooks; none of them watches surfaces or outputs
 * itself, and only this tracker locks or unlocks a surface's cached state.
 *
 * The life of a commit, and the hooks it gets, in this order:
 *
 *   request     wl_surface.commit arrived; wlroots has not handled it yet
 *               (surface->pending is this commit).  A subscriber may check
 *               its rules and reject (post an error, return false: the
 *               commit is then cached forever and the client goes), or
 *               hold the commit (fw_commit_hold()).  Subscribers run in the
 *               order they subscribed; the first rejection stops the rest.
 *   held        after every request hook, when one of them held it.
 *   acquired    a held commit is let go (fw_commit_unhold(): what it waited
 *               for signalled), before wlroots may apply it.  Only for a
 *               held commit, at most once; not when it goes while held.
 *   applied     wlroots applied the state (surface->current is this
 *               commit).  Never for a commit that was rejected, or whose
 *               surface went first.
 *   presented   a frame showing the surface with this commit as its latest
 *               state was presented (the output's present event), or
 *   discarded   it never will be: a later commit of the surface was applied
 *               before a frame showed this one, the frame was not
 *               presented, its output or surface went.  Exactly one of the
 *               two, once.
 *   superseded  what the commit contributed is replaced: for a commit that
 *               attaches (a buffer or NULL), once a later attach is applied;
 *               for one that does not, once any later commit is applied; or
 *               its surface is gone.
 *   retired     superseded, presented or discarded, and no output reads its
 *               buffer any more (an output scanning a buffer out reads it
 *               until a later output commit replaces it).  Always the last
 *               hook; the commit is freed when every retired hook returned.
 *
 * Besides the life: fence_failed, when the holder reports that the acquire
 * fence failed (at most once, after request and before retired; a failed
 * fence counts as signalled, so acquired may follow).
 *
 * presented/discarded and superseded may come in either order; discarded,
 * superseded and retired may come without applied (a commit never applied
 * whose surface is destroyed).
 *
 * The contract for a subscriber's hooks:
 *   - they run on the main thread, from the tracker's wl_surface.commit
 *     observer (request, held; protocol_watch.h), fw_commit_unhold()'s
 *     caller (acquired), fw_commit_fence_failed()'s caller or that observer
 *     (fence_failed),
 *     a surface's commit signal (applied, discarded, superseded, retired),
 *     an output's commit/present/destroy signal (presented, discarded,
 *     retired) or a surface's destroy;
 *   - they may send events, create and destroy their own resources, signal
 *     fences, post errors (only in request), and call fw_commit_hold() (only
 *     in request);
 *   - they must not call fw_commit_unhold(), lock or unlock surface state,
 *     destroy a wl_surface or a wl_client, or dispatch the event loop;
 *     fw_commit_unhold() is called from outside any hook (a fence callback);
 *   - a subscriber's slot on a commit is its own; it is NULL at first and
 *     must be NULL again when the retired hook returns (asserted).
 */
#ifndef FENCEWAY_COMMIT_H
#define FENCEWAY_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fw_server;
struct fw_commit;
struct fw_commit_tracker;
struct wlr_output_event_present;
struct wlr_surface;
struct wl_client;

/*
 * Commits cached behind a lock of the tracker on one surface (its own held
 * commit, or a parent lock taken for a held synchronized child): the commit
 * that would be cached past it disconnects the client.
 */
#define FW_COMMIT_MAX_CACHED 64
/* Subscribers at most (each has one slot on every commit). */
#define FW_COMMIT_MAX_SUBSCRIBERS 8

/* The error message of the cached-commits cap, rule first (< 127 bytes). */
#define FW_COMMIT_STR_(x) #x
#define FW_COMMIT_STR(x) FW_COMMIT_STR_(x)
#define FW_COMMIT_CAP_MESSAGE \
	"FW_COMMIT_MAX_CACHED: more than " FW_COMMIT_STR( \
		FW_COMMIT_MAX_CACHED) " commits cached on one surface " \
							  "behind a held commit"

/*
 * The hooks of one subscriber; any may be NULL.  data is what the
 * subscriber passed to fw_commit_subscribe().
 */
struct fw_commit_hooks {
	bool (*request)(struct fw_commit *commit, void *data);
	void (*held)(struct fw_commit *commit, void *data);
	void (*acquired)(struct fw_commit *commit, void *data);
	void (*applied)(struct fw_commit *commit, void *data);
	void (*presented)(struct fw_commit *commit,
		const struct wlr_output_event_present *event, void *data);
	void (*discarded)(struct fw_commit *commit, void *data);
	void (*superseded)(struct fw_commit *commit, void *data);
	void (*retired)(struct fw_commit *commit, void *data);
	/* The commit's acquire fence failed (fw_commit_fence_failed()). */
	void (*fence_failed)(struct fw_commit *commit, void *data);
};

/*
 * The tracker of server: observes wl_surface.commit and
 * wl_subsurface.set_desync on server->protocol_watch (which must outlive
 * it) and follows every output of server->backend.  Owned by the server (fw_commit_tracker_destroy
 * after every subscriber has gone).  NULL on failure (logged).
 */
struct fw_commit_tracker *fw_commit_tracker_create(struct fw_server *server);
void fw_commit_tracker_destroy(struct fw_commit_tracker *tracker);

/*
 * Add a subscriber; hooks (static data) and data must outlive it.  Returns
 * its slot index, or -1 when FW_COMMIT_MAX_SUBSCRIBERS are taken.
 */
int fw_commit_subscribe(struct fw_commit_tracker *tracker,
	const struct fw_commit_hooks *hooks, void *data);
/*
 * Remove subscriber sub.  Every commit still holding its slot gets, for
 * this subscriber only, the hooks it still lacks (discarded, superseded,
 * retired), so the subscriber can free its slots there.
 */
void fw_commit_unsubscribe(struct fw_commit_tracker *tracker, int sub);

/* The subscriber's slot on commit (NULL until set). */
void *fw_commit_get_slot(const struct fw_commit *commit, int sub);
void fw_commit_set_slot(struct fw_commit *commit, int sub, void *data);

/* The commit's wlr_surface; NULL once the surface is gone. */
struct wlr_surface *fw_commit_surface(const struct fw_commit *commit);
/* The client that made the commit; NULL once its surface is gone. */
struct wl_client *fw_commit_client(const struct fw_commit *commit);
/* The wlr_surface_state seq of the commit. */
uint32_t fw_commit_seq(const struct fw_commit *commit);
/* Whether the commit attaches (a buffer, or NULL with null_attach). */
bool fw_commit_attaches(const struct fw_commit *commit);
bool fw_commit_null_attach(const struct fw_commit *commit);
/*
 * Only in request: true when this commit would be cached past
 * FW_COMMIT_MAX_CACHED.  A subscriber that owns the surface posts its own
 * error naming the cap (FW_COMMIT_CAP_MESSAGE) and rejects; if none does,
 * the tracker posts an implementation error itself.
 */
bool fw_commit_over_cap(const struct fw_commit *commit);
/*
 * The last commit attaching before this one on its surface (queued or
 * applied, not yet superseded): the one this commit will supersede if it
 * attaches.  NULL when there is none.
 */
struct fw_commit *fw_commit_previous_attach(struct fw_commit *commit);

/*
 * Writes what a held commit waits for into buf (size len > 0), NUL
 * terminated and cut to fit: e.g. "timeline 'NAME' (soft) point 3, at 2".
 * data is what the holder passed to fw_commit_hold().  Runs on the main
 * thread whenever a stall report or a status asks; it must not block.
 */
typedef void (*fw_commit_describe_fn)(const struct fw_commit *commit,
	void *data, char *buf, size_t len);

/*
 * Only in request: hold commit until fw_commit_unhold().  Synchronized
 * ancestors that would apply it are held with it.  describe (static) and
 * data (the holder's, borrowed: valid while held) say what the commit
 * waits for, for stall reports and status; point (read now, may be NULL)
 * is the timeline point it waits for, NULL when it waits on something
 * else (a sync file).  false on allocation failure: nothing is held, the
 * caller posts no_memory and rejects.
 */
bool fw_commit_hold(struct fw_commit *commit, fw_commit_describe_fn describe,
	void *data, const uint64_t *point);
/* What a held commit waits for (its holder's describe), "" when not held. */
void fw_commit_describe_wait(const struct fw_commit *commit, char *buf,
	size_t len);
/* The timeline point a held commit waits for into *point: false when it is
 * not held, or held on something other than a timeline point. */
bool fw_commit_wait_point(const struct fw_commit *commit, uint64_t *point);
/*
 * The holder of commit reports that its acquire fence failed (the commit
 * is applied as if it had signalled): every subscriber's fence_failed
 * hook runs.  Main thread: outside any hook, or in the commit's own
 * request hook (a fence that failed already), and then the hooks run once
 * every request hook has accepted the commit, before held.
 */
void fw_commit_fence_failed(struct fw_commit *commit);
/*
 * Let a held commit through (and whatever waits behind it).  wlroots may
 * apply states right here, running hooks that may free commit: the caller
 * must not touch it afterwards.
 */
void fw_commit_unhold(struct fw_commit *commit);

#endif
