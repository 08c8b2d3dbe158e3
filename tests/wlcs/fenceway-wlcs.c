/*
 * The WLCS integration module: WLCS (the Wayland Conformance Test Suite)
 * dlopen()s this and creates, starts, stops and destroys a whole fenceway
 * server for each of its tests, in its own process.  fenceway's real
 * server code (fw_server_init, socketless) runs on the thread WLCS gives
 * it (display server version 3, start_on_this_thread); clients come from
 * socketpairs; pointer and touch are headless wlroots devices whose
 * events go through fenceway's cursor and seat code.  Only
 * wlcs_server_integration is exported (wlcs.map).
 *
 * Two bugs of WLCS 1.5.0 are worked around here and nowhere else (see
 * docs/testing.md): its xdg-shell helper attaches a buffer before acking
 * the first configure (also when it remaps a surface), so every
 * xdg_surface is kept marked configured; and
 * WlcsTouch calls arrive on the test thread with plain integers in their
 * wl_fixed_t parameters, so they are handed to the server thread here.
 */
#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>
#include <wlcs/display_server.h>
#include <wlcs/pointer.h>
#include <wlcs/touch.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_input_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_touch.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "server.h"
#include "view.h"

/* Room for the windows WLCS places (it uses compositor coordinates up to
 * a few hundred pixels). */
#define OUTPUT_WIDTH 1280
#define OUTPUT_HEIGHT 1024

/* Exactly the globals fenceway offers (checked at every bind: see
 * check_global), so WLCS skips the tests of everything else. */
static const WlcsExtensionDescriptor extensions[] = {
	{ "wl_compositor", 4 },
	{ "wl_subcompositor", 1 },
	{ "wl_shm", 1 },
	{ "wl_data_device_manager", 3 },
	{ "wl_seat", 7 },
	{ "wl_output", 4 },
	{ "xdg_wm_base", 2 },
	{ "zxdg_output_manager_v1", 3 },
	{ "zwlr_screencopy_manager_v1", 3 },
	{ "wp_viewporter", 1 },
	{ "wp_presentation", 1 },
	{ "wp_linux_drm_syncobj_manager_v1", 1 },
	{ "zwp_linux_explicit_synchronization_v1", 2 },
};

static const WlcsIntegrationDescriptor descriptor = {
	.version = WLCS_INTEGRATION_DESCRIPTOR_VERSION,
	.num_extensions = sizeof(extensions) / sizeof(extensions[0]),
	.supported_extensions = extensions,
};

/* A call to run on the server thread (touch: see the top comment). */
struct server_call {
	void (*run)(void *data);
	void *data;
	bool done;
};

struct fw_wlcs {
	WlcsDisplayServer base;
	struct fw_server server;
	pthread_t thread;                /* runs the server, once started */

	pthread_mutex_t lock;            /* guards the fields below */
	pthread_cond_t cond;
	bool started;                    /* start_on_this_thread was called */
	bool running;                    /* the server loop runs calls */
	bool finished;                   /* the server is torn down */

	int call_pipe[2];                /* struct server_call * written here */
	struct wl_event_source *call_source;
	struct wl_event_source *wlcs_source;
	struct wl_list clients;          /* struct wlcs_client.link */
	struct wl_listener new_xdg_surface;
};

/* A client made for WLCS: its end of the socketpair names it. */
struct wlcs_client {
	struct wl_list link;
	int wlcs_fd;                     /* WLCS-owned, only compared */
	struct wl_client *client;
	struct wl_listener destroy;
};

struct fw_wlcs_pointer {
	WlcsPointer base;
	struct fw_wlcs *fw;
	struct wlr_input_device *device; /* backend-owned; NULL once gone */
	struct wl_listener device_destroy;
};

struct fw_wlcs_touch {
	WlcsTouch base;
	struct fw_wlcs *fw;
	struct wlr_input_device *device; /* backend-owned; NULL once gone */
	struct wl_listener device_destroy;
	double x, y;                     /* layout, of the touch point */
};

static uint32_t now_msec(void) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)(now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

/* Run call on the server thread and wait for it, from any thread. */
static void run_on_server(struct fw_wlcs *fw, void (*run)(void *data),
		void *data) {
	if (pthread_equal(pthread_self(), fw->thread)) {
		run(data);
		return;
	}
	struct server_call call = { .run = run, .data = data };
	struct server_call *ptr = &call;
	pthread_mutex_lock(&fw->lock);
	/* Not running: nothing of the server is left to touch. */
	if (fw->running) {
		ssize_t n = write(fw->call_pipe[1], &ptr, sizeof(ptr));
		assert(n == sizeof(ptr));
		(void)n;
		while (!call.done) {
			pthread_cond_wait(&fw->cond, &fw->lock);
		}
	}
	pthread_mutex_unlock(&fw->lock);
}

static int handle_calls(int fd, uint32_t mask, void *data) {
	struct fw_wlcs *fw = data;
	struct server_call *call;
	while (read(fd, &call, sizeof(call)) == sizeof(call)) {
		call->run(call->data);
		pthread_mutex_lock(&fw->lock);
		call->done = true;
		pthread_cond_broadcast(&fw->cond);
		pthread_mutex_unlock(&fw->lock);
	}
	return 0;
}

static int handle_wlcs_loop(int fd, uint32_t mask, void *data) {
	wl_event_loop_dispatch(data, 0);
	return 0;
}

/* WLCS 1.5.0 bug 1 (top comment): every xdg_surface counts as
 * configured, when new and again after each commit (wlroots makes an
 * unmapped surface unconfigured, and WLCS remaps it without an ack). */
struct configured_surface {
	struct wlr_xdg_surface *xdg_surface;
	struct wl_listener commit;
	struct wl_listener destroy;
};

static void configured_surface_commit(struct wl_listener *listener,
		void *data) {
	struct configured_surface *cs = wl_container_of(listener, cs, commit);
	cs->xdg_surface->configured = true;
}

static void configured_surface_destroy(struct wl_listener *listener,
		void *data) {
	struct configured_surface *cs = wl_container_of(listener, cs, destroy);
	wl_list_remove(&cs->commit.link);
	wl_list_remove(&cs->destroy.link);
	free(cs);
}

static void handle_new_xdg_surface(struct wl_listener *listener, void *data) {
	struct wlr_xdg_surface *xdg_surface = data;
	struct configured_surface *cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		wl_client_post_no_memory(
			wl_resource_get_client(xdg_surface->resource));
		return;
	}
	cs->xdg_surface = xdg_surface;
	cs->commit.notify = configured_surface_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &cs->commit);
	cs->destroy.notify = configured_surface_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &cs->destroy);
	xdg_surface->configured = true;
	/* wlroots sends the initial configure on the first commit of an
	 * unconfigured surface only; send it now. */
	wlr_xdg_surface_schedule_configure(xdg_surface);
}

/* Abort on a global missing from the descriptor: WLCS would run, and
 * count as failed, tests of something it believes absent, or skip tests
 * of something present. */
static bool check_global(const struct wl_client *client,
		const struct wl_global *global, void *data) {
	const char *name = wl_global_get_interface(global)->name;
	for (size_t i = 0; i < descriptor.num_extensions; i++) {
		if (strcmp(extensions[i].name, name) == 0) {
			return true;
		}
	}
	fprintf(stderr, "fenceway-wlcs: global %s is not in the descriptor\n",
		name);
	abort();
}

static void server_start(WlcsDisplayServer *base, struct wl_event_loop *loop) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	const struct fw_config config = {
		.headless = true,
		.width = OUTPUT_WIDTH,
		.height = OUTPUT_HEIGHT,
		.refresh_mhz = 60000,
		.no_socket = true,
	};
	fw->thread = pthread_self();
	if (pipe2(fw->call_pipe, O_CLOEXEC | O_NONBLOCK) != 0 ||
			!fw_server_init(&fw->server, &config)) {
		fprintf(stderr, "fenceway-wlcs: cannot start the server\n");
		abort();
	}
	/* Touch from the start: a client learns the capability when it binds
	 * the seat, and WLCS touches right after making its device. */
	if (wlr_headless_add_input_device(fw->server.backend,
			WLR_INPUT_DEVICE_TOUCH) == NULL) {
		fprintf(stderr, "fenceway-wlcs: cannot add a touch device\n");
		abort();
	}
		wl_display_set_global_filter(fw->server.display, check_global, fw);
	fw->new_xdg_surface.notify = handle_new_xdg_surface;
	wl_signal_add(&fw->server.xdg_shell->events.new_surface,
		&fw->new_xdg_surface);
	fw->call_source = wl_event_loop_add_fd(fw->server.event_loop,
		fw->call_pipe[0], WL_EVENT_READABLE, handle_calls, fw);
	fw->wlcs_source = wl_event_loop_add_fd(fw->server.event_loop,
		wl_event_loop_get_fd(loop), WL_EVENT_READABLE, handle_wlcs_loop,
		loop);
	assert(fw->call_source != NULL && fw->wlcs_source != NULL);

	pthread_mutex_lock(&fw->lock);
	fw->started = true;
	fw->running = true;
	pthread_mutex_unlock(&fw->lock);
	/* Calls WLCS queued before we listened. */
	wl_event_loop_dispatch(loop, 0);
	fw_server_run(&fw->server);

	pthread_mutex_lock(&fw->lock);
	fw->running = false;
	pthread_mutex_unlock(&fw->lock);
	/* Calls still in the pipe were written while running: answer them. */
	handle_calls(fw->call_pipe[0], 0, fw);
	wl_event_source_remove(fw->wlcs_source);
	wl_event_source_remove(fw->call_source);
	wl_list_remove(&fw->new_xdg_surface.link);
	fw_server_finish(&fw->server);
	close(fw->call_pipe[0]);
	close(fw->call_pipe[1]);

	pthread_mutex_lock(&fw->lock);
	fw->finished = true;
	pthread_cond_broadcast(&fw->cond);
	pthread_mutex_unlock(&fw->lock);
}

/* Forwarded by WLCS into the server loop. */
static void server_stop(WlcsDisplayServer *base) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	fw_server_terminate(&fw->server);
}

static void client_handle_destroy(struct wl_listener *listener, void *data) {
	struct wlcs_client *wc = wl_container_of(listener, wc, destroy);
	wl_list_remove(&wc->link);
	wl_list_remove(&wc->destroy.link);
	free(wc);
}

static int server_create_client_socket(WlcsDisplayServer *base) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		return -1;
	}
	struct wlcs_client *wc = calloc(1, sizeof(*wc));
	if (wc == NULL) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	/* fds[0] is the client's from here, on success or not. */
	wc->client = fw_server_add_client(&fw->server, fds[0]);
	if (wc->client == NULL) {
		free(wc);
		close(fds[1]);
		return -1;
	}
	wc->wlcs_fd = fds[1];
	wc->destroy.notify = client_handle_destroy;
	wl_client_add_destroy_listener(wc->client, &wc->destroy);
	wl_list_insert(&fw->clients, &wc->link);
	return fds[1];
}

/* WLCS hands over its client-side proxies: the display's fd names our
 * client, the surface's id its wl_surface there. */
static void server_position_window_absolute(WlcsDisplayServer *base,
		struct wl_display *display, struct wl_surface *surface, int x, int y) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	int fd = wl_display_get_fd(display);
	struct wlcs_client *wc;
	wl_list_for_each(wc, &fw->clients, link) {
		if (wc->wlcs_fd != fd) {
			continue;
		}
		struct wl_resource *resource = wl_client_get_object(wc->client,
			wl_proxy_get_id((struct wl_proxy *)surface));
		if (resource == NULL) {
			return;
		}
		struct wlr_surface *wlr_surface = wlr_surface_from_resource(resource);
		if (!wlr_surface_is_xdg_surface(wlr_surface)) {
			return;
		}
		struct wlr_xdg_surface *xdg_surface =
			wlr_xdg_surface_from_wlr_surface(wlr_surface);
		if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL ||
				xdg_surface->data == NULL) {
			return;
		}
		struct wlr_scene_node *node = xdg_surface->data;
		struct fw_view *view = node->data;
		/* Where WLCS says, also when it says so before the map. */
		view->placed = true;
		fw_view_move(view, x, y);
		return;
	}
}

/* ---- pointer (WLCS forwards these into the server loop) ---- */

static void pointer_device_destroyed(struct wl_listener *listener,
		void *data) {
	struct fw_wlcs_pointer *p = wl_container_of(listener, p, device_destroy);
	wl_list_remove(&p->device_destroy.link);
	p->device = NULL;
}

static void pointer_frame(struct fw_wlcs_pointer *p) {
	wl_signal_emit(&p->device->pointer->events.frame, p->device->pointer);
}

static void pointer_move_absolute(WlcsPointer *base, wl_fixed_t x,
		wl_fixed_t y) {
	struct fw_wlcs_pointer *p = wl_container_of(base, p, base);
	if (p->device == NULL) {
		return;
	}
	struct wlr_box layout;
	layout = *wlr_output_layout_get_box(p->fw->server.output_layout, NULL);
	struct wlr_event_pointer_motion_absolute event = {
		.device = p->device,
		.time_msec = now_msec(),
		.x = (wl_fixed_to_double(x) - layout.x) / layout.width,
		.y = (wl_fixed_to_double(y) - layout.y) / layout.height,
	};
	wl_signal_emit(&p->device->pointer->events.motion_absolute, &event);
	pointer_frame(p);
}

static void pointer_move_relative(WlcsPointer *base, wl_fixed_t dx,
		wl_fixed_t dy) {
	struct fw_wlcs_pointer *p = wl_container_of(base, p, base);
	if (p->device == NULL) {
		return;
	}
	struct wlr_event_pointer_motion event = {
		.device = p->device,
		.time_msec = now_msec(),
		.delta_x = wl_fixed_to_double(dx),
		.delta_y = wl_fixed_to_double(dy),
		.unaccel_dx = wl_fixed_to_double(dx),
		.unaccel_dy = wl_fixed_to_double(dy),
	};
	wl_signal_emit(&p->device->pointer->events.motion, &event);
	pointer_frame(p);
}

static void pointer_button(struct fw_wlcs_pointer *p, int button,
		enum wlr_button_state state) {
	if (p->device == NULL) {
		return;
	}
	struct wlr_event_pointer_button event = {
		.device = p->device,
		.time_msec = now_msec(),
		.button = (uint32_t)button,
		.state = state,
	};
	wl_signal_emit(&p->device->pointer->events.button, &event);
	pointer_frame(p);
}

static void pointer_button_down(WlcsPointer *base, int button) {
	pointer_button(wl_container_of(base, (struct fw_wlcs_pointer *)NULL,
		base), button, WLR_BUTTON_PRESSED);
}

static void pointer_button_up(WlcsPointer *base, int button) {
	pointer_button(wl_container_of(base, (struct fw_wlcs_pointer *)NULL,
		base), button, WLR_BUTTON_RELEASED);
}

static void pointer_destroy(WlcsPointer *base) {
	struct fw_wlcs_pointer *p = wl_container_of(base, p, base);
	if (p->device != NULL) {
		wl_list_remove(&p->device_destroy.link);
		wlr_input_device_destroy(p->device);
	}
	free(p);
}

static WlcsPointer *server_create_pointer(WlcsDisplayServer *base) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	struct fw_wlcs_pointer *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return NULL;
	}
	p->base = (WlcsPointer){
		.version = WLCS_POINTER_VERSION,
		.move_absolute = pointer_move_absolute,
		.move_relative = pointer_move_relative,
		.button_up = pointer_button_up,
		.button_down = pointer_button_down,
		.destroy = pointer_destroy,
	};
	p->fw = fw;
	/* The backend runs: fenceway's seat gets the device at once. */
	p->device = wlr_headless_add_input_device(fw->server.backend,
		WLR_INPUT_DEVICE_POINTER);
	if (p->device == NULL) {
		free(p);
		return NULL;
	}
	p->device_destroy.notify = pointer_device_destroyed;
	wl_signal_add(&p->device->events.destroy, &p->device_destroy);
	return &p->base;
}

/* ---- touch (WLCS calls these on its test thread: bug 2) ---- */

struct touch_args {
	struct fw_wlcs_touch *touch;
	enum { TOUCH_DOWN, TOUCH_MOVE, TOUCH_UP, TOUCH_DESTROY } kind;
	int x, y;                        /* layout pixels */
};

static void touch_device_destroyed(struct wl_listener *listener,
		void *data) {
	struct fw_wlcs_touch *t = wl_container_of(listener, t, device_destroy);
	wl_list_remove(&t->device_destroy.link);
	t->device = NULL;
}

/* On the server thread. */
static void touch_run(void *data) {
	struct touch_args *args = data;
	struct fw_wlcs_touch *t = args->touch;
	if (t->device == NULL) {
		return;
	}
	struct wlr_touch *touch = t->device->touch;
	struct wlr_box layout;
	layout = *wlr_output_layout_get_box(t->fw->server.output_layout, NULL);
	double nx = (args->x - layout.x) / (double)layout.width;
	double ny = (args->y - layout.y) / (double)layout.height;
	switch (args->kind) {
	case TOUCH_DOWN: {
		struct wlr_event_touch_down event = {
			.device = t->device, .time_msec = now_msec(),
			.touch_id = 0, .x = nx, .y = ny,
		};
		wl_signal_emit(&touch->events.down, &event);
		break;
	}
	case TOUCH_MOVE: {
		struct wlr_event_touch_motion event = {
			.device = t->device, .time_msec = now_msec(),
			.touch_id = 0, .x = nx, .y = ny,
		};
		wl_signal_emit(&touch->events.motion, &event);
		break;
	}
	case TOUCH_UP: {
		struct wlr_event_touch_up event = {
			.device = t->device, .time_msec = now_msec(), .touch_id = 0,
		};
		wl_signal_emit(&touch->events.up, &event);
		break;
	}
	case TOUCH_DESTROY:
		wl_list_remove(&t->device_destroy.link);
		wlr_input_device_destroy(t->device);
		t->device = NULL;
		return;
	}
	wl_signal_emit(&touch->events.frame, NULL);
}

/* The wl_fixed_t parameters carry plain integers in WLCS 1.5.0. */
static void touch_call(WlcsTouch *base, int kind, wl_fixed_t x,
		wl_fixed_t y) {
	struct fw_wlcs_touch *t = wl_container_of(base, t, base);
	struct touch_args args = {
		.touch = t, .kind = kind, .x = (int)x, .y = (int)y,
	};
	run_on_server(t->fw, touch_run, &args);
}

static void touch_down(WlcsTouch *base, wl_fixed_t x, wl_fixed_t y) {
	touch_call(base, TOUCH_DOWN, x, y);
}

static void touch_move(WlcsTouch *base, wl_fixed_t x, wl_fixed_t y) {
	touch_call(base, TOUCH_MOVE, x, y);
}

static void touch_up(WlcsTouch *base) {
	touch_call(base, TOUCH_UP, 0, 0);
}

static void touch_destroy(WlcsTouch *base) {
	touch_call(base, TOUCH_DESTROY, 0, 0);
	free(wl_container_of(base, (struct fw_wlcs_touch *)NULL, base));
}

struct create_touch_args {
	struct fw_wlcs_touch *touch;
	bool ok;
};

static void create_touch_run(void *data) {
	struct create_touch_args *args = data;
	struct fw_wlcs_touch *t = args->touch;
	t->device = wlr_headless_add_input_device(t->fw->server.backend,
		WLR_INPUT_DEVICE_TOUCH);
	if (t->device != NULL) {
		t->device_destroy.notify = touch_device_destroyed;
		wl_signal_add(&t->device->events.destroy, &t->device_destroy);
		args->ok = true;
	}
}

static WlcsTouch *server_create_touch(WlcsDisplayServer *base) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	struct fw_wlcs_touch *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return NULL;
	}
	t->base = (WlcsTouch){
		.version = WLCS_TOUCH_VERSION,
		.touch_down = touch_down,
		.touch_move = touch_move,
		.touch_up = touch_up,
		.destroy = touch_destroy,
	};
	t->fw = fw;
	struct create_touch_args args = { .touch = t };
	run_on_server(fw, create_touch_run, &args);
	if (!args.ok) {
		free(t);
		return NULL;
	}
	return &t->base;
}

static const WlcsIntegrationDescriptor *server_get_descriptor(
		const WlcsDisplayServer *base) {
	return &descriptor;
}

static WlcsDisplayServer *create_server(int argc, const char **argv) {
	static bool log_ready;
	if (!log_ready) {
		wlr_log_init(WLR_ERROR, NULL);
		log_ready = true;
	}
	struct fw_wlcs *fw = calloc(1, sizeof(*fw));
	if (fw == NULL) {
		return NULL;
	}
	fw->base = (WlcsDisplayServer){
		.version = 3,
		.start = NULL,
		.stop = server_stop,
		.create_client_socket = server_create_client_socket,
		.position_window_absolute = server_position_window_absolute,
		.create_pointer = server_create_pointer,
		.create_touch = server_create_touch,
		.get_descriptor = server_get_descriptor,
		.start_on_this_thread = server_start,
	};
	pthread_mutex_init(&fw->lock, NULL);
	pthread_cond_init(&fw->cond, NULL);
	wl_list_init(&fw->clients);
	return &fw->base;
}

static void destroy_server(WlcsDisplayServer *base) {
	struct fw_wlcs *fw = wl_container_of(base, fw, base);
	/* Everything of the server went on its own thread. */
	pthread_mutex_lock(&fw->lock);
	while (fw->started && !fw->finished) {
		pthread_cond_wait(&fw->cond, &fw->lock);
	}
	pthread_mutex_unlock(&fw->lock);
	pthread_cond_destroy(&fw->cond);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

const WlcsServerIntegration wlcs_server_integration = {
	.version = WLCS_SERVER_INTEGRATION_VERSION,
	.create_server = create_server,
	.destroy_server = destroy_server,
};
