/*
 * Explicit sync, shared between the module's files (not for the rest of
 * the compositor: they see explicit_sync.h only).
 *
 *   explicit_sync.c             module init/finish, fence loop, DRM device
 *   explicit_sync_client.c      per-client bookkeeping (pid, caps, errors)
 *   surface_sync.c              per-surface state, the commit subscriber
 *   surface_sync_hold.c         the fence wait of a held commit
 *   surface_sync_release.c      releases: how
 *   syncobj_v1.c                wp_linux_drm_syncobj_manager_v1
 *   explicit_sync_v1.c          zwp_linux_explicit_synchronization_v1
 *
 * Ownership: struct fw_es is owned by the module instance (modules.c keeps
 * the pointer, explicit_sync.c frees it).  Per-client and per-surface
 * records are owned by fw_es and freed when their client or surface goes.
 */
#ifndef FENCEWAY_EXPLICIT_SYNC_PRIVATE_H
#define FENCEWAY_EXPLICIT_SYNC_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>

struct fw_server;
struct fw_loop;
struct fw_timeline;
struct fw_fence;

/*
 * Caps (docs/explicit-sync.md).  Going past one disconnects that client
 * with an implementation error naming the limit; never the compositor's
 * fds.  Commits cached behind a held one: FW_COMMIT_MAX_CACHED (commit.h).
 */
/* wp_linux_drm_syncobj_timeline_v1 objects alive per client. */
#define FW_ES_MAX_TIMELINES 256

/*
 * One of the module's two manager globals.  Both managers bind the same way
 * (a resource at the version the client asked for, the module as user
 * data), so binding lives once, in explicit_sync.c.  Embedded in struct
 * fw_es; interface and impl point to static data of the protocol's file.
 */
struct fw_es_global {
	struct fw_es *es;
	const struct wl_interface *interface;
	const void *impl;                   /* the manager's requests */
	struct wl_global *global;           /* owned; NULL when not created */
};

struct fw_es {
	struct fw_server *server;
	struct wl_display *display;
	struct wl_event_loop *event_loop;

	/* Fence waits land here; its fd sits in the wl_event_loop. Owned. */
	struct fw_loop *loop;
	struct wl_event_source *loop_source;

	/* Our subscriber index on the server's commit tracker. */
	int commit_sub;

	struct fw_es_global syncobj;        /* wp_linux_drm_syncobj_manager_v1 */
	struct fw_es_global sync_v1;        /* zwp_linux_explicit_synchronization_v1 */

	/* A DRM device that can import syncobj timelines, or -1.  Owned only
	 * when drm_fd_owned (a render node we opened ourselves). */
	int drm_fd;
	bool drm_fd_owned;

	/* Our own out-fences (early fenced_release) live on this context. */
	uint64_t fence_context;
	uint64_t fence_seqno;

	struct wl_list clients;    /* fw_es_client.link */
	struct wl_list surfaces;   /* fw_es_surface.link */
	struct wl_list commits;    /* fw_es_commit.link: every record alive */
};

/* ---- explicit_sync_client.c ---- */

struct fw_es_client {
	struct fw_es *es;
	struct wl_client *client;
	pid_t pid;
	uint32_t n_timelines;      /* live timeline objects (cap) */
	/* We posted a protocol error: the client is about to be destroyed and
	 * nothing of ours acts for it any more (DESIGN §2). */
	bool error_posted;
	struct wl_listener destroy;
	struct wl_list link;       /* fw_es.clients */
};

/* The record for client, created on first use; NULL on allocation failure
 * (the client has then been sent no_memory). */
struct fw_es_client *fw_es_client_get(struct fw_es *es,
	struct wl_client *client);
/* The record for client if one exists. */
struct fw_es_client *fw_es_client_find(struct fw_es *es,
	struct wl_client *client);
/*
 * wl_resource_post_error, remembering that this client is done for.
 * Every protocol error of the module goes through here.
 */
void fw_es_post_error(struct fw_es *es, struct wl_resource *resource,
	uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* True when we have posted an error to this client. */
bool fw_es_client_failed(struct fw_es *es, struct wl_client *client);
/* wl_client_post_no_memory, remembering that this client is done for. */
void fw_es_post_no_memory(struct fw_es *es, struct wl_client *client);
/* wl_client_post_implementation_error for a cap, naming the limit. */
void fw_es_post_cap_error(struct fw_es *es, struct wl_client *client,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- syncobj_v1.c / explicit_sync_v1.c ---- */

/* Advertise the protocol's manager (es->syncobj, es->sync_v1); false,
 * logged, when the global cannot be created.  fw_es_global_finish() takes
 * it down. */
bool fw_syncobj_v1_init(struct fw_es *es);
bool fw_sync_v1_init(struct fw_es *es);

/* ---- explicit_sync.c ---- */

/* Create g's global on es's display (false, logged, on failure). */
bool fw_es_global_init(struct fw_es_global *g, struct fw_es *es,
	const struct wl_interface *interface, int version, const void *impl);
/* Remove the global if it exists; bound resources stay until their client
 * destroys them or goes. */
void fw_es_global_finish(struct fw_es_global *g);
/* A fresh fence of ours (refcount owned by the caller), NULL on failure. */
struct fw_fence *fw_es_create_out_fence(struct fw_es *es);

#endif
