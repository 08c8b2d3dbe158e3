/*
 * Explicit sync, shared between the module's files (not for the rest of
 * the compositor: they see explicit_sync.h only).
 *
 *   explicit_sync.c             module init/finish, fence loop, DRM device
 *   explicit_sync_client.c      per-client bookkeeping (pid, caps, errors)
 *   explicit_sync_commit_hook.c the pre-commit hook (a protocol logger)
 *   surface_sync.c              per-surface state and the commit queue
 *   surface_sync_hold.c         holding a commit until its fence signals
 *   surface_sync_release.c      releases: when and how
 *   surface_sync_scanout.c      releases wait while an output scans out
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
 * Caps (DESIGN §4.3).  Going past one disconnects that client with an
 * implementation error naming the limit; never the compositor's fds.
 */
/* Commits of one surface that are held for a fence, or queued behind one. */
#define FW_ES_MAX_QUEUED_COMMITS 64
/* wp_linux_drm_syncobj_timeline_v1 objects alive per client. */
#define FW_ES_MAX_TIMELINES 256
/* A commit held longer than this is logged once. */
#define FW_ES_HELD_TOO_LONG_MS 1000

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

	/* The pre-commit hook. Owned. */
	struct wl_protocol_logger *logger;
	int surface_commit_opcode;          /* of wl_surface.commit */

	struct fw_es_global syncobj;        /* wp_linux_drm_syncobj_manager_v1 */
	struct fw_es_global sync_v1;        /* zwp_linux_explicit_synchronization_v1 */

	/* A DRM device that can import syncobj timelines, or -1.  Owned only
	 * when drm_fd_owned (a render node we opened ourselves). */
	int drm_fd;
	bool drm_fd_owned;

	/* Our own out-fences (early fenced_release) live on this context. */
	uint64_t fence_context;
	uint64_t fence_seqno;

	/* "held too long": armed only while some held commit is not logged yet,
	 * so an idle compositor has no timer running. */
	struct wl_event_source *held_timer;
	bool held_timer_armed;

	struct wl_list clients;    /* fw_es_client.link */
	struct wl_list surfaces;   /* fw_es_surface.link */

	/* Outputs, and what they scan out (surface_sync_scanout.c). */
	struct wl_list outputs;    /* fw_es_output.link */
	struct wl_listener new_output;
	/* Superseded commits whose buffer an output still scans out. */
	struct wl_list deferred;   /* fw_es_commit.link */
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

/* ---- explicit_sync_commit_hook.c ---- */

/* Install / remove the protocol logger that sees wl_surface.commit first. */
bool fw_es_commit_hook_init(struct fw_es *es);
void fw_es_commit_hook_finish(struct fw_es *es);

/* ---- syncobj_v1.c / explicit_sync_v1.c ---- */

/* Advertise the protocol's manager (es->syncobj, es->sync_v1); false,
 * logged, when the global cannot be created.  fw_es_global_finish() takes
 * it down. */
bool fw_syncobj_v1_init(struct fw_es *es);
bool fw_sync_v1_init(struct fw_es *es);

/* ---- surface_sync_scanout.c ---- */

/* Follow the outputs' committed and presented buffers. */
void fw_es_outputs_init(struct fw_es *es);
/* Stop following them; every deferred release is paid now. */
void fw_es_outputs_finish(struct fw_es *es);

/* ---- explicit_sync.c ---- */

/* Create g's global on es's display (false, logged, on failure). */
bool fw_es_global_init(struct fw_es_global *g, struct fw_es *es,
	const struct wl_interface *interface, int version, const void *impl);
/* Remove the global if it exists; bound resources stay until their client
 * destroys them or goes. */
void fw_es_global_finish(struct fw_es_global *g);
/* A fresh fence of ours (refcount owned by the caller), NULL on failure. */
struct fw_fence *fw_es_create_out_fence(struct fw_es *es);
/* Make sure the "held too long" check runs within the threshold. */
void fw_es_arm_held_timer(struct fw_es *es);

#endif
