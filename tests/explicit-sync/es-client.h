/*
 * Test client helpers for the explicit-sync conformance tests: a
 * connection with every global the tests need, xdg toplevels, shm buffers,
 * timelines of our fence library, frame callbacks and presentation
 * feedback, grim captures, and protocol-error assertions.
 *
 * Everything here dies (exit 2, "setup" failure) when the environment is
 * broken, so scenarios only deal with what they test.  Ownership: objects
 * returned are owned by the caller and live until the process exits unless
 * a destroy function is named.
 */
#ifndef FW_ES_CLIENT_H
#define FW_ES_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>
#include <fenceway/timeline.h>
#include "wl-test-client.h"
#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define ES_RED   0xffff0000u
#define ES_GREEN 0xff00ff00u
#define ES_BLUE  0xff0000ffu
#define ES_WHITE 0xffffffffu

/* A generous limit for waiting (not a measured duration). */
#define ES_WAIT_MS 20000

struct es_conn {
	struct wtc_conn wl;       /* the core globals (wl-test-client.h) */
	struct wp_linux_drm_syncobj_manager_v1 *syncobj;
	struct zwp_linux_explicit_synchronization_v1 *sync_v1;
	uint32_t sync_v1_version;
};

/* Counts of what came back for one frame callback. */
struct es_frame {
	int done;
};

/* A soft timeline of ours, imported into the compositor. */
struct es_timeline {
	struct fw_timeline *timeline;
	struct wp_linux_drm_syncobj_timeline_v1 *obj;
};

/* Counts of events for one zwp_linux_buffer_release_v1. */
struct es_release {
	struct zwp_linux_buffer_release_v1 *obj;
	int fenced;
	int immediate;
	int fence_fd;     /* from fenced_release, owned; -1 if none */
};

struct es_conn *es_connect(void);
void es_roundtrip(struct es_conn *conn);

/* A mapped-ready toplevel: created, configured and acked, no buffer yet. */
struct wtc_toplevel *es_window_create(struct es_conn *conn, const char *title);
/* The same, asking for fullscreen first (width/height: the output's). */
struct wtc_toplevel *es_window_create_fullscreen(struct es_conn *conn,
	const char *title);

/* A w x h XRGB8888 shm buffer filled with colour. */
struct wl_buffer *es_buffer(struct es_conn *conn, int w, int h,
	uint32_t colour);
/* Attach buffer (may be NULL) with full damage. */
void es_attach(struct wl_surface *surface, struct wl_buffer *buffer);

void es_request_frame(struct wl_surface *surface, struct es_frame *frame);
/* Attach buffer, commit with a frame callback and dispatch until it is
 * done: the commit was shown.  False if it was not within ES_WAIT_MS. */
bool es_commit_shown(struct es_conn *conn, struct wl_surface *surface,
	struct wl_buffer *buffer);
void es_request_feedback(struct es_conn *conn, struct wl_surface *surface,
	struct wtc_feedback *feedback);

/* Dispatch until *counter >= target; false if the limit passed. */
bool es_wait_count(struct es_conn *conn, const int *counter, int target,
	int timeout_ms);
/* Dispatch until the feedback is presented or discarded. */
bool es_wait_feedback(struct es_conn *conn, struct wtc_feedback *feedback,
	int timeout_ms);
/* Dispatch until the timeline reaches point (it is signalled by the
 * compositor's library threads, so we poll it between dispatches). */
bool es_wait_timeline(struct es_conn *conn, struct es_timeline *tl,
	uint64_t point, int timeout_ms);
/* Dispatch whatever is there without blocking (a roundtrip's worth). */
void es_dispatch_pending(struct es_conn *conn);

/* syncobj: a new soft timeline, imported. */
struct es_timeline *es_timeline_new(struct es_conn *conn, const char *name);
uint64_t es_timeline_value(struct es_timeline *tl);
void es_timeline_signal(struct es_timeline *tl, uint64_t point);
void es_set_acquire(struct wp_linux_drm_syncobj_surface_v1 *obj,
	struct es_timeline *tl, uint64_t point);
void es_set_release(struct wp_linux_drm_syncobj_surface_v1 *obj,
	struct es_timeline *tl, uint64_t point);

/* sync v1: a pending soft sync file, point 1 of a new sw_sync timeline
 * whose fd goes to *timeline (sw_sync_timeline_inc signals it). */
int es_pending_fence(int *timeline, const char *name);
/* sync v1: a soft sync file that has already signalled. */
int es_signalled_fence(const char *name);
/* sync v1: a release object with counting listeners. */
void es_get_release(struct zwp_linux_surface_synchronization_v1 *sync,
	struct es_release *release);

/*
 * Roundtrip, which must fail with a protocol error on interface/object/code.
 * Prints what came and exits: 0 if it matches, 1 if not.
 */
void es_expect_error(struct es_conn *conn, const struct wl_interface *iface,
	uint32_t id, uint32_t code) __attribute__((noreturn));
/* Roundtrip and fail (exit 1) on any error. */
void es_expect_no_error(struct es_conn *conn);
/* The end of a passing scenario: no error came (else exit 1), "PASS"
 * printed; returns the scenario's status, 0. */
int es_pass(struct es_conn *conn);

/* grim -t ppm of the whole output; number of pixels equal to colour. */
long es_capture_count(uint32_t colour);

#endif
