/*
 * bench/peers/bench-client.h - the peer benchmark's client: surfaces with
 * their shm buffers, and how each commit's acquire and release travel.
 *
 * One client runs unchanged on fenceway, cage, sway and weston; only the
 * explicit-sync modes need fenceway (soft timelines and soft sync files).
 * Everything runs on the main thread.
 *
 * Ownership: struct bc_surface and its buffers are owned by the caller of
 * bc_surface_init and freed by bc_surface_finish; every proxy and fence in
 * them belongs to the surface.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wl-test-client.h"

#define BC_BUFFERS 3

struct fw_fence;
struct fw_timeline;
struct wp_linux_drm_syncobj_manager_v1;
struct wp_linux_drm_syncobj_surface_v1;
struct wp_linux_drm_syncobj_timeline_v1;
struct zwp_linux_buffer_release_v1;
struct zwp_linux_explicit_synchronization_v1;
struct zwp_linux_surface_synchronization_v1;

enum bc_sync {
	BC_SYNC_NONE,       /* wl_buffer.release */
	BC_SYNC_SYNCOBJ,    /* wp_linux_drm_syncobj_manager_v1, soft timelines */
	BC_SYNC_SYNCFILE,   /* zwp_linux_explicit_synchronization_v1, soft sync files */
};

/* The globals beyond wtc_conn's that the client binds. */
struct bc_globals {
	struct wp_linux_drm_syncobj_manager_v1 *syncobj;
	struct zwp_linux_explicit_synchronization_v1 *explicit_sync;
};

struct bc_buffer {
	struct wl_buffer *wl;
	bool busy;                 /* committed, release not seen yet */
	/* syncobj: this buffer's release timeline and its last point. */
	struct fw_timeline *release_tl;
	struct wp_linux_drm_syncobj_timeline_v1 *release_obj;
	uint64_t release_point;
	/* syncfile: the release object of the commit that used it last, and
	 * the fence a fenced_release handed us. */
	struct zwp_linux_buffer_release_v1 *release;
	struct fw_fence *release_fence;
};

struct bc_surface {
	struct wtc_conn *conn;
	struct bc_globals *globals;
	struct wl_surface *wl;
	int32_t width, height;
	struct bc_buffer buffers[BC_BUFFERS];
	unsigned next;             /* round-robin start for picking a buffer */
	enum bc_sync sync;
	/* Acquire signalled only when the next commit is made (held at the
	 * compositor until then) instead of before the commit. */
	bool held;
	uint64_t seq;              /* commits made with a buffer */
	/* syncobj */
	struct wp_linux_drm_syncobj_surface_v1 *syncobj_surface;
	struct fw_timeline *acquire_tl;
	struct wp_linux_drm_syncobj_timeline_v1 *acquire_obj;
	/* syncfile */
	struct zwp_linux_surface_synchronization_v1 *sync_file;
	uint64_t fence_context;
	struct fw_fence *unsignalled;  /* held: the last commit's acquire */
};

/*
 * Set up @s for the existing wl_surface @wl: BC_BUFFERS buffers of
 * w x h, every pixel @pixel, and the explicit-sync objects for @sync.
 * Dies (wtc_die) when the compositor lacks what @sync needs.
 */
void bc_surface_init(struct bc_surface *s, struct wtc_conn *conn,
		     struct bc_globals *globals, struct wl_surface *wl,
		     int32_t w, int32_t h, uint32_t pixel, enum bc_sync sync,
		     bool held);

/* A buffer whose release has come back, or NULL if all are in use. */
struct bc_buffer *bc_surface_free_buffer(struct bc_surface *s);

/*
 * All buffers in use: block up to @timeout_ns on the release fence or point
 * of the buffer that comes back first (the next in round-robin order).
 * false when that release travels as an event instead (nothing to wait on
 * here: poll the connection).
 */
bool bc_surface_wait_release(struct bc_surface *s, int64_t timeout_ns);

/*
 * Attach @b with full damage and set its acquire/release state; the
 * caller adds frame callbacks or feedback and then commits.
 */
void bc_surface_attach(struct bc_surface *s, struct bc_buffer *b);

/*
 * Attach @b with an acquire point that is never signalled (syncobj only):
 * the commit stays pending at the compositor until the client goes.
 */
void bc_surface_attach_pending(struct bc_surface *s, struct bc_buffer *b);

/* Signal what held commits still wait for, and destroy everything. */
void bc_surface_finish(struct bc_surface *s);

/* Bind the explicit-sync globals (a wtc_conn.other_global callback). */
void bc_bind_global(struct wtc_conn *conn, uint32_t name,
		    const char *interface, uint32_t version);

#endif
