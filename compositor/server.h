/*
 * fenceway compositor: the server object every part of the compositor shares.
 *
 * One struct fw_server exists per process (main.c owns it, on its stack).
 * Each concern lives in its own file and gets the server pointer:
 *   server.c        create/destroy everything below, in the right order
 *   socket.c        the listening socket (struct fw_socket, socket.h)
 *   children.c      -s and -- CMD children: environment, SIGCHLD
 *   output.c        outputs: mode, frame loop, manual present when headless
 *   view.c          xdg-shell toplevels and popups: map, cascade, focus
 *   seat.c          seat, keyboards, key bindings
 *   cursor.c        pointer: focus, click-to-raise, Alt+drag move
 *   presentation.c  wp_presentation, feedback kept per commit
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

struct wlr_backend;
struct wlr_session;
struct wlr_renderer;
struct wlr_allocator;
struct wlr_compositor;
struct wlr_subcompositor;
struct wlr_scene;
struct wlr_output_layout;
struct wlr_seat;
struct wlr_surface;
struct wlr_cursor;
struct wlr_xcursor_manager;
struct wlr_xdg_shell;
struct fw_presentation;
struct fw_socket;
struct fw_view;

/*
 * Everything the server is asked to do (main.c fills it from the command
 * line and the environment; the server reads nothing else).  Strings are
 * borrowed: they must outlive the server.
 */
struct fw_config {
	bool headless;             /* --headless: headless backend, no autocreate */
	int32_t width, height;     /* --output WxH[@HZ], headless outputs only */
	int32_t refresh_mhz;       /* refresh in mHz (60 Hz = 60000) */
	bool no_socket;            /* listen nowhere; clients come only through
	                            * fw_server_add_client() */
	const char *runtime_dir;   /* where the socket goes ($XDG_RUNTIME_DIR) */
	const char *socket_name;   /* --socket; NULL = first free wayland-N */
	const char *startup_cmd;   /* -s; NULL = none; needs the socket */
	/* -- CMD [ARGS]: run as a client (needs the socket); the server stops
	 * when it exits and takes its status.  NULL = none. */
	char *const *command;
	bool no_explicit_sync;     /* --no-explicit-sync: hide both globals */
	bool test_input;           /* --test-input: virtual pointer/keyboard */
	bool no_render_node;       /* no /dev/dri/renderD*: unless the backend
	                            * has a DRM device, pixman is made directly */
	/* Soft RLIMIT_NOFILE each child gets back (the caller raised its own);
	 * 0 = the child keeps the compositor's. */
	rlim_t child_nofile;
	/* SIGINT/SIGTERM stop the server and SIGPIPE is ignored: process-wide
	 * dispositions, so only a program that owns the process asks. */
	bool handle_signals;
};

/* Counters printed at shutdown (tests and the demo read them from the log). */
struct fw_stats {
	uint64_t output_commits;       /* frames really committed to an output */
	uint64_t feedback_presented;   /* wp_presentation_feedback.presented sent */
	uint64_t feedback_discarded;   /* wp_presentation_feedback.discarded sent */
	uint64_t toplevels_mapped;
};

enum fw_cursor_mode {
	FW_CURSOR_PASSTHROUGH,     /* events go to the surface under the pointer */
	FW_CURSOR_MOVE,            /* Alt+drag or xdg_toplevel.move in progress */
	FW_CURSOR_RESIZE,          /* xdg_toplevel.resize in progress */
};

struct fw_server {
	struct fw_config config;
	struct fw_stats stats;

	struct wl_display *display;
	struct wl_event_loop *event_loop;   /* the display's loop, not owned */
	struct fw_socket *socket;           /* NULL with config.no_socket */

	struct wlr_backend *backend;
	struct wlr_session *session;        /* NULL unless on a VT (DRM/libinput) */
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;

	struct wlr_compositor *compositor;
	struct wlr_subcompositor *subcompositor;  /* embedded in compositor on 0.15 */
	struct wlr_scene *scene;
	struct wlr_output_layout *output_layout;
	struct wl_list outputs;             /* struct fw_output.link */
	struct wl_listener new_output;

	struct wlr_xdg_shell *xdg_shell;
	struct wl_listener new_xdg_surface;
	struct wl_list views;               /* struct fw_view.link, top first */
	int32_t cascade_x, cascade_y;       /* where the next toplevel goes */
	uint32_t next_view_id;

	struct wlr_seat *seat;
	struct wl_listener new_input;
	struct wl_listener request_set_cursor;
	struct wl_listener request_set_selection;
	struct wl_list keyboards;           /* struct fw_keyboard.link */
	/* --test-input only: devices made by clients, plugged in as real ones */
	struct wl_listener new_virtual_pointer;
	struct wl_listener new_virtual_keyboard;

	struct wlr_cursor *cursor;
	struct wlr_xcursor_manager *cursor_mgr;
	struct wl_listener cursor_motion;
	struct wl_listener cursor_motion_absolute;
	struct wl_listener cursor_button;
	struct wl_listener cursor_axis;
	struct wl_listener cursor_frame;
	enum fw_cursor_mode cursor_mode;
	struct fw_view *grabbed_view;
	double grab_x, grab_y;
	struct wlr_box grab_geometry;       /* RESIZE: window box at the start */
	uint32_t resize_edges;              /* RESIZE: enum wlr_edges */
	bool grab_from_client;              /* the client saw the button press */

	struct fw_presentation *presentation;

	struct wl_list modules;             /* struct fw_module_instance.link */

	pid_t startup_pid;                  /* -s child, 0 when none or reaped */
	pid_t command_pid;                  /* -- CMD, 0 when none or reaped */
	struct wl_event_source *sigchld;    /* only while a child may run */
	struct wl_event_source *sigint, *sigterm;   /* config.handle_signals */
	int exit_status;                    /* what main() returns */
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
bool fw_seat_init(struct fw_server *server);
void fw_seat_finish(struct fw_server *server);
bool fw_cursor_init(struct fw_server *server);
void fw_cursor_finish(struct fw_server *server);

/* Start dragging a view with the pointer (cursor.c). */
void fw_cursor_begin_move(struct fw_view *view);
/* Start resizing a view from the given edges (enum wlr_edges). */
void fw_cursor_begin_resize(struct fw_view *view, uint32_t edges);

/* Give keyboard focus to a mapped view and raise it (view.c); NULL: no-op. */
void fw_view_focus(struct fw_view *view);
/* Topmost view and surface-local coordinates under a layout point. */
struct fw_view *fw_view_at(struct fw_server *server, double lx, double ly,
	struct wlr_surface **surface, double *sx, double *sy);

#endif
