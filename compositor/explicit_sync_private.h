/*
 * Explicit sync, shared between the module's files (not for the rest of
 * the compositor: they see explicit_sync.h only).
 *
 *   explicit_sync.c           module init/finish, fence loop, DRM device,
 *                             globals, the one-protocol-per-surface claim,
 *                             timelines pinned per client, the common part
 *                             of a commit record (its wait)
 *   explicit_sync_client.c    per-client bookkeeping (caps, errors)
 *   linux_drm_syncobj_v1.c    wp_linux_drm_syncobj_manager_v1
 *   linux_explicit_sync_v1.c  zwp_linux_explicit_synchronization_v1
 *
 * Each protocol file is a subscriber of the commit tracker (commit.h): it
 * owns its requests, pending state, rules and error messages, and, per
 * commit, a record in its slot with its fence wait and its release.
 *
 * Ownership: struct fw_es is owned by the module instance (modules.c keeps
 * the pointer, explicit_sync.c frees it).  Per-client records are owned by
 * fw_es and freed when their client goes; per-surface records by their
 * wlr_surface (addons); commit records by their protocol, until the
 * tracker retires the commit; pinned timelines by their holders (a
 * refcount).
 *
 * Budgets (client.h): whatever holds a client's fd or wait charges that
 * client's struct fw_client while it holds it and keeps a reference on the
 * record, so that letting go after the client left still finds it.
 */
#ifndef FENCEWAY_EXPLICIT_SYNC_PRIVATE_H
#define FENCEWAY_EXPLICIT_SYNC_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>
#include "client.h"
#include "commit.h"

struct fw_fence;
struct fw_loop;
struct fw_server;
struct fw_timeline;
struct fw_wait;
struct wlr_surface;

/*
 * Caps (docs/explicit-sync.md).  Going past one disconnects that client
 * with an implementation error naming the limit; never the compositor's
 * fds.  Commits cached behind a held one: FW_COMMIT_MAX_CACHED (commit.h);
 * fds and waits pinned per client: the budgets (client.h).
 */
/* wp_linux_drm_syncobj_timeline_v1 objects alive per client. */
#define FW_ES_MAX_TIMELINES 256

/* Which protocol a surface's sync object speaks. */
enum fw_es_protocol {
	FW_ES_NONE = 0,
	FW_ES_SYNCOBJ_V1, /* wp_linux_drm_syncobj_surface_v1 */
	FW_ES_SYNC_V1,    /* zwp_linux_surface_synchronization_v1 */
};

/*
 * One of the module's two manager globals, and its protocol's subscriber on
 * the commit tracker (hook data: this struct).  Embedded in struct fw_es;
 * interface, impl and hooks point to static data of the protocol's file.
 */
struct fw_es_global {
	struct fw_es *es;
	const struct wl_interface *interface;
	const void *impl;         /* the manager's requests */
	struct wl_global *global; /* owned; NULL when not created */
	int sub;                  /* subscriber index, or -1 */
};

struct fw_es {
	struct fw_server *server;
	struct wl_display *display;
	struct wl_event_loop *event_loop;

	/* Fence waits land here; its fd sits in the wl_event_loop. Owned. */
	struct fw_loop *loop;
	struct wl_event_source *loop_source;

	struct fw_es_global syncobj; /* wp_linux_drm_syncobj_manager_v1 */
	struct fw_es_global sync_v1; /* zwp_linux_explicit_synchronization_v1 */

	/* A DRM device that can import syncobj timelines, or -1.  Owned only
	 * when drm_fd_owned (a render node we opened ourselves). */
	int drm_fd;
	bool drm_fd_owned;

	/* Our own out-fences (early fenced_release). */
	uint64_t fence_seqno;

	struct wl_list clients;   /* fw_es_client.link */
	struct wl_list records;   /* fw_es_record.link: every one alive */
	struct wl_list timelines; /* fw_es_timeline.link: every one pinned */
};

/* ---- explicit_sync_client.c ---- */

struct fw_es_client {
	struct fw_es *es;
	struct wl_client *client;
	uint32_t n_timelines; /* live timeline objects (cap) */
	/* We posted a protocol error: the client is about to be destroyed and
	 * nothing of ours acts for it any more (libwayland dispatches none of
	 * its requests after an error). */
	bool error_posted;
	struct wl_listener destroy;
	struct wl_list link; /* fw_es.clients */
};

/*
 * The compositor's record of client (client.h), where budgets are charged;
 * borrowed.  NULL on allocation failure (no_memory posted).  Only for a
 * client that is still connected.
 */
struct fw_client *fw_es_client_record(struct fw_es *es,
	struct wl_client *client);
/* The record for client, created on first use; NULL on allocation failure
 * (the client has then been sent no_memory). */
struct fw_es_client *fw_es_client_get(struct fw_es *es,
	struct wl_client *client);
/* The record for client if one exists (none while it is being destroyed). */
struct fw_es_client *fw_es_client_find(struct fw_es *es,
	struct wl_client *client);
/*
 * wl_resource_post_error, remembering that this client is done for.
 * Every protocol error of the module goes through here.
 */
void fw_es_post_error(struct fw_es *es, struct wl_resource *resource,
	uint32_t code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* True when we have posted an error to this client. */
bool fw_es_client_failed(struct fw_es *es, struct wl_client *client);
/* wl_client_post_no_memory, remembering that this client is done for. */
void fw_es_post_no_memory(struct fw_es *es, struct wl_client *client);
/* wl_client_post_implementation_error for a cap, naming the limit. */
void fw_es_post_cap_error(struct fw_es *es, struct wl_client *client,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The same for a budget charge that failed: the message is the budget
 * ("fd budget (256) exceeded"), then ": " and what fmt says.
 */
void fw_es_post_budget_error(struct fw_es *es, struct wl_client *client,
	enum fw_budget budget, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- explicit_sync.c ---- */

/*
 * Create g's global on es's display and subscribe hooks to the commit
 * tracker (false, logged, on failure).
 */
bool fw_es_global_init(struct fw_es_global *g, struct fw_es *es,
	const struct wl_interface *interface, int version, const void *impl,
	const struct fw_commit_hooks *hooks);
/* Remove the global if it exists (bound resources stay until their client
 * destroys them or goes) and unsubscribe: records still owed are retired. */
void fw_es_global_finish(struct fw_es_global *g);

/*
 * A surface uses one protocol at a time.  Claim surface for protocol's new
 * sync object: false, with error exists_code posted on manager_resource
 * (whichever protocol holds it), when the surface already has one.  The
 * claim ends with fw_es_unclaim() or with the surface.
 */
bool fw_es_claim(struct fw_es *es, struct wlr_surface *surface,
	enum fw_es_protocol protocol, struct wl_resource *manager_resource,
	uint32_t exists_code);
void fw_es_unclaim(struct fw_es *es, struct wlr_surface *surface);

/* A fresh fence of ours (refcount owned by the caller), NULL on failure. */
struct fw_fence *fw_es_create_out_fence(struct fw_es *es);

/*
 * A timeline pinned for one client: the fd (or DRM handle) the fence
 * library holds for it, charged once to the client's fd budget however
 * many of the client's objects hold it -- timeline objects, points set,
 * commits -- and given back when the last one lets go, which may be after
 * the object the client imported it with, or the client, is gone.  Two
 * imports of one timeline by one client share one pin (the library shares
 * one fw_timeline per timeline); two clients each pay for their own.
 */
struct fw_es_timeline {
	struct fw_es *es;
	struct fw_client *owner;      /* reference; charged one fd */
	struct fw_timeline *timeline; /* reference owned */
	uint32_t refs;                /* holders */
	/* Held commits waiting on it: one unit of the owner's wait budget
	 * while there are any (the library watches a timeline once). */
	uint32_t waits;
	struct wl_list link; /* fw_es.timelines */
};

/*
 * Pin timeline (a reference the caller gives up, whatever happens) for
 * owner: its existing pin with one more holder, or a new one charged one
 * fd.  Returns 0 with *out (one holder's reference), -EDQUOT when a new
 * pin would take owner past its fd budget (the caller posts the error),
 * or -ENOMEM.
 */
int fw_es_timeline_pin(struct fw_es *es, struct fw_client *owner,
	struct fw_timeline *timeline, struct fw_es_timeline **out);
/* One more holder; returns pin. */
struct fw_es_timeline *fw_es_timeline_ref(struct fw_es_timeline *pin);
/* One holder less (NULL: nothing); the last one unpins and uncharges. */
void fw_es_timeline_unref(struct fw_es_timeline *pin);

/*
 * The common part of a protocol's record of one commit, embedded in it.
 * Lives from the commit's request hook to its retired hook.
 */
struct fw_es_record {
	struct fw_es *es;
	struct fw_commit *commit; /* the tracker's; valid until retired */
	/* NULL once the client is gone (explicit_sync_client.c clears it). */
	struct wl_client *client;
	/* The client's record (a reference): what the commit holds is
	 * charged to it. */
	struct fw_client *owner;
	/* While held: the fence wait (owned by es->loop), charged to the
	 * owner's wait budget through wait_pin when it waits on a pinned
	 * timeline, else on its own; and what it waits for, for the logs
	 * (name borrowed from the protocol's record). */
	struct fw_wait *wait;
	struct fw_es_timeline *wait_pin; /* borrowed from the protocol's record */
	const char *timeline_name;
	uint64_t point;
	struct wl_list link; /* fw_es.records */
};

/* false when out of memory (no_memory posted; nothing to finish). */
bool fw_es_record_init(struct fw_es_record *record, struct fw_es *es,
	struct fw_commit *commit);
/* Stop waiting (the commit is retired) and unlink. */
void fw_es_record_finish(struct fw_es_record *record);
/* Whether the client that made the commit is still there to answer. */
bool fw_es_record_client_alive(const struct fw_es_record *record);
/*
 * Hold the commit (in its request hook) until fence signals; a fence that
 * fails counts as signalled (as in the kernel), is logged with who and
 * which timeline_name/point and reported to the tracker
 * (fw_commit_fence_failed()).  A fence that already failed is logged and
 * not held.  describe (static; its data is record) says what the held
 * commit waits for (commit.h).  The wait is charged to the owner's wait
 * budget: through pin (the timeline the fence is a point of, which must
 * outlive the wait) or, when pin is NULL (a sync file), on its own; with a
 * pin, point is also the tracker's fw_commit_wait_point().  false
 * with the error posted when that is past the budget or memory runs out.
 */
bool fw_es_record_wait(struct fw_es_record *record, struct fw_fence *fence,
	struct fw_es_timeline *pin, const char *timeline_name, uint64_t point,
	fw_commit_describe_fn describe);
/* What a held commit waits for, written as fw_commit_describe_fn says: a
 * timeline's point with its kind and current value, or a fence's points
 * (driver, timeline name, seqno).  Both borrowed. */
void fw_es_describe_point(struct fw_timeline *timeline, uint64_t point,
	char *buf, size_t len);
void fw_es_describe_fence(struct fw_fence *fence, char *buf, size_t len);

/* ---- the protocol files ---- */

/* Advertise the protocol's manager (es->syncobj, es->sync_v1); false,
 * logged, when the global cannot be created. */
bool fw_linux_drm_syncobj_v1_init(struct fw_es *es);
bool fw_linux_explicit_sync_v1_init(struct fw_es *es);

#endif
