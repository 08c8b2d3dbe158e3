/*
 * The Wayland plumbing every C test client shares: connect and bind the
 * core globals, shm buffers of one colour, an xdg toplevel that acks its
 * configures, frame callbacks, wl_buffer.release counting and
 * wp_presentation feedback.  Each test client keeps only what it tests.
 *
 * Everything here dies through wtc_die (exit status 2, "setup failed")
 * when the environment is broken, so a test can tell a broken setup from
 * a compositor that misbehaved (status 1).
 */
#ifndef FW_WL_TEST_CLIENT_H
#define FW_WL_TEST_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

struct wtc_conn;

/* Called for each global this library does not bind itself, so a client
 * can bind the protocols it is about. */
typedef void (*wtc_global_fn)(struct wtc_conn *conn, uint32_t name,
	const char *interface, uint32_t version);

struct wtc_conn {
	struct wl_display *display;
	struct wl_registry *registry;
	/* Any of these may be NULL if the compositor lacks it, except
	 * compositor, shm and wm_base (wtc_connect dies without them). */
	struct wl_compositor *compositor;      /* version 4 */
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;           /* pings answered */
	struct wp_presentation *presentation;
	struct wl_output *output;              /* the first one announced */
	bool have_clock;                       /* wp_presentation.clock_id */
	uint32_t clock_id;
	wtc_global_fn other_global;            /* set before wtc_connect */
	void *data;                            /* the client's, untouched */
};

void wtc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	noreturn));

/* Connect to $WAYLAND_DISPLAY, bind the globals and wait until the
 * events sent at bind time (the presentation clock) have arrived. */
void wtc_connect(struct wtc_conn *conn);
/* Destroy the globals bound by wtc_connect and disconnect (objects of
 * the client's own must be destroyed first). */
void wtc_disconnect(struct wtc_conn *conn);

struct wtc_toplevel;
typedef void (*wtc_configure_fn)(struct wtc_toplevel *tl);

struct wtc_toplevel {
	struct wtc_conn *conn;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;           /* an xdg_surface.configure was acked */
	/* From the last xdg_toplevel.configure (0: the client chooses). */
	int32_t width, height;
	bool activated, maximized, fullscreen;
	/* Called after each xdg_surface.configure has been acked. */
	wtc_configure_fn on_configure;
	void *data;                /* the client's, untouched */
};

/* Create the surface, its xdg_surface and toplevel with this title; no
 * commit yet, so the caller can still ask for states first. */
void wtc_toplevel_init(struct wtc_toplevel *tl, struct wtc_conn *conn,
	const char *title);
/* The initial commit, then dispatch until the first configure is acked. */
void wtc_toplevel_configure(struct wtc_toplevel *tl);
void wtc_toplevel_finish(struct wtc_toplevel *tl);

/* A w x h XRGB8888 shm buffer, every pixel `pixel`. */
struct wl_buffer *wtc_shm_buffer(struct wtc_conn *conn, int32_t w, int32_t h,
	uint32_t pixel);
/* Count the buffer's wl_buffer.release events into *count. */
void wtc_count_releases(struct wl_buffer *buffer, int *count);
/* A frame callback for the next commit; its done event adds 1 to *done. */
void wtc_request_frame(struct wl_surface *surface, int *done);

/* What came back for one wp_presentation_feedback. */
struct wtc_feedback {
	struct wp_presentation_feedback *obj;   /* NULL once resolved */
	int presented, discarded, sync_outputs;
};
/* Feedback for the next commit of surface (dies without wp_presentation).
 * The object is destroyed when presented or discarded arrives. */
void wtc_request_feedback(struct wtc_conn *conn, struct wl_surface *surface,
	struct wtc_feedback *feedback);

#endif
