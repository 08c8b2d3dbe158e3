/*
 * fenceway compositor: the server object every part of the compositor shares.
 *
 * One struct fw_server exists per process (main.c owns it, on its stack).
 * Each concern lives in its own file and gets the server pointer:
 *   server.c        create/destroy everything below, in the right order
 *   socket.c        the listening socket (struct fw_socket, socket.h)
 *   children.c      -s and -- CMD children: environment, SIGCHLD
 *   output.c        outputs: mode, frame loop, manual present when headless
 *   view.c          xdg-shell toplevels and popups: map, placement, focus
 *   seat.c/h        seat, keyboards, key bindings, window grabs
 *   cursor.c/h      pointer: focus, click-to-raise, Alt+drag move
 *   presentation.c  wp_presentation, feedback kept per commit
 *   telemetry.c     --trace: every commit's life as a trace file
 *   stalls.c        stall reports and per-client summaries
 *   ctl.c           the fenceway-ctl socket: status, stalls, traces
 *   client.c        a record per client: pid, command, log limiter
 *   modules.c       optional modules (explicit sync) plugged into setup
 *
 * Ownership: everything reachable from struct fw_server is owned by the
 * server and torn down by fw_server_finish(); nothing here is to be freed by
 * a module.  Pointers are valid from fw_server_init() until
 * fw_server_finish() returns.
 */
#ifndef FENCEWAY_SERVER_H
#define FENCEWAY_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <wayland-server-core.h>
#include <wlr/util/box.h>
#include "client.h"

struct wlr_backend;
struct wlr_session;
struct wlr_renderer;
struct wlr_allocator;
struct wlr_compositor;
struct wlr_subcompositor;
struct wlr_scene;
struct wlr_output_layout;
struct wlr_xdg_shell;
struct fw_commit_tracker;
struct fw_protocol_watch;
struct fw_presentation;
struct fw_telemetry;
struct fw_stalls;
struct fw_ctl;
struct fw_seat;
struct fw_cursor;
struct fw_socket;

/*
 * Everything the server is asked to do (main.c fills it from the command
 * line and the environment; the server reads nothing else).  Strings are
 * borrowed: they must outlive the server.
 */
struct fw_config {
	bool headless;           /* --headless: headless backend, no autocreate */
	int32_t width, height;   /* --output WxH[@HZ], headless outputs only */
	int32_t refresh_mhz;     /* refresh in mHz (60 Hz = 60000) */
	bool no_socket;          /* listen nowhere; clients come only through
	                            * fw_server_add_client() */
	const char *runtime_dir; /* where the socket goes ($XDG_RUNTIME_DIR) */
	const char *socket_name; /* --socket; NULL = first free wayland-N */
	const char *startup_cmd; /* -s; NULL = none; needs the socket */
	/* -- CMD [ARGS]: run as a client (needs the socket); the server stops
	 * when it exits and takes its status.  NULL = none. */
	char *const *command;
	bool no_explicit_sync;  /* --no-explicit-sync: hide both globals */
	bool test_input;        /* --test-input: virtual pointer/keyboard */
	const char *trace_path; /* --trace FILE; NULL = no trace */
	bool trace_marker;      /* --trace-marker: spans to ftrace too */
	bool no_render_node;    /* no /dev/dri/renderD*: unless the backend
	                            * has a DRM device, pixman is made directly */
	/* Soft RLIMIT_NOFILE each child gets back (the caller raised its own);
	 * 0 = the child keeps the compositor's. */
	rlim_t child_nofile;
	/* --stall-threshold MS: a client stalls when a commit of it is held
	 * this long (stalls.h); 0 = the default, 1000 ms. */
	int stall_threshold_ms;
	/* --fd-budget N, --wait-budget N: what one client may pin (client.h);
	 * 0 = the default, sized from the fd limit when the server starts. */
	uint32_t fd_budget, wait_budget;
	/* SIGINT/SIGTERM stop the server and SIGPIPE is ignored: process-wide
	 * dispositions, so only a program that owns the process asks. */
	bool handle_signals;
};

/* Counters printed at shutdown (tests and the demo read them from the log). */
struct fw_stats {
	uint64_t output_commits;     /* frames really committed to an output */
	uint64_t feedback_presented; /* wp_presentation_feedback.presented sent */
	uint64_t feedback_discarded; /* wp_presentation_feedback.discarded sent */
	uint64_t toplevels_mapped;
};

struct fw_server {
	struct fw_config config;
	struct fw_stats stats;

	struct wl_display *display;
	struct wl_event_loop *event_loop; /* the display's loop, not owned */
	struct fw_socket *socket;         /* NULL with config.no_socket */
	/* protocol_watch.h: every observer of requests and events */
	struct fw_protocol_watch *protocol_watch;

	struct wlr_backend *backend;
	struct wlr_session *session; /* NULL unless on a VT (DRM/libinput) */
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;

	struct wlr_compositor *compositor;
	struct wlr_subcompositor
		*subcompositor; /* embedded in compositor on 0.15 */
	struct wlr_scene *scene;
	struct wlr_output_layout *output_layout;
	struct wl_list outputs; /* struct fw_output.link */
	struct wl_listener new_output;

	struct wlr_xdg_shell *xdg_shell;
	struct wl_listener new_xdg_surface;
	struct wl_list views; /* struct fw_view.link, top first */
	uint32_t next_view_id;

	struct fw_seat *seat;     /* seat.h; seat.c owns it */
	struct fw_cursor *cursor; /* cursor.h; cursor.c owns it */

	struct fw_commit_tracker *commits; /* commit.h */
	struct fw_presentation *presentation;
	/* telemetry.h; NULL while no trace runs (--trace, --trace-marker,
	 * fenceway-ctl) */
	struct fw_telemetry *telemetry;
	struct fw_stalls *stalls; /* stalls.h */
	struct fw_ctl *ctl;       /* ctl.h; NULL with config.no_socket */

	struct wl_list modules;    /* struct fw_module_instance.link */
	struct fw_clients clients; /* client.h: a record per client */

	pid_t startup_pid;               /* -s child, 0 when none or reaped */
	pid_t command_pid;               /* -- CMD, 0 when none or reaped */
	struct wl_event_source *sigchld; /* only while a child may run */
	struct wl_event_source *sigint, *sigterm; /* config.handle_signals */
	int exit_status;                          /* what main() returns */
};

/*
 * Build everything up to (not including) the event loop: backend, renderer,
 * globals, optional modules, socket, the -s child.  On failure everything
 * already built is torn down again and false is returned.  config is copied
 * (its strings are not).  Touches no process-wide state except what
 * config.handle_signals asks for; a child's SIGCHLD is watched while the
 * child runs.
 */
bool fw_server_init(struct fw_server *server, const struct fw_config *config);

/*
 * Make a client of the connected socket fd (one end of a socketpair, or an
 * accepted connection).  The fd is taken in every case: the client's on
 * success, closed on failure (NULL).  The client belongs to the display.
 */
struct wl_client *fw_server_add_client(struct fw_server *server, int fd);

/* Run the event loop until SIGINT/SIGTERM/Alt+Escape or, with a command,
 * until the command exits. */
void fw_server_run(struct fw_server *server);

/* Ask the loop to stop (safe from any callback on the main thread). */
void fw_server_terminate(struct fw_server *server);

/* Disconnect every client, then free everything in reverse order. */
void fw_server_finish(struct fw_server *server);

/* ---- implemented in the per-concern files, called from server.c ---- */
bool fw_output_init(struct fw_server *server);
bool fw_xdg_shell_init(struct fw_server *server);
void fw_xdg_shell_finish(struct fw_server *server);
/* seat.h: server->seat; cursor.h: server->cursor (cursor before seat). */
bool fw_cursor_init(struct fw_server *server);
void fw_cursor_finish(struct fw_server *server);
bool fw_seat_init(struct fw_server *server);
void fw_seat_finish(struct fw_server *server);
/* After the backend started: give the seat a headless keyboard when the
 * backend offers none (keyboard enter serials drive the clipboard). */
bool fw_seat_ensure_keyboard(struct fw_server *server);

#endif
