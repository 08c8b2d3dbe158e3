/*
 * Building and tearing down the compositor.  The order matters both ways:
 * the renderer needs the backend, outputs need renderer and allocator, the
 * socket opens only when every global exists, and at shutdown clients go
 * first so that nothing they own outlives what it points into.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/util/log.h>
#include "children.h"
#include "commit.h"
#include "ctl.h"
#include "modules.h"
#include "output.h"
#include "pixman_blit.h"
#include "presentation.h"
#include "protocol_watch.h"
#include "stalls.h"
#include "telemetry.h"
#include "server.h"
#include "socket.h"

static int handle_stop_signal(int signo, void *data) {
	struct fw_server *server = data;
	const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
	/* The runner's command decides when it is over; we follow it. */
	if (fw_children_forward_signal(server, signo)) {
		wlr_log(WLR_INFO, "caught %s, passed on to the command", name);
		return 0;
	}
	wlr_log(WLR_INFO, "caught %s, shutting down", name);
	fw_server_terminate(server);
	return 0;
}

static bool create_backend(struct fw_server *server) {
	if (server->config.headless) {
		/* Asked for explicitly: no autocreate, so a WAYLAND_DISPLAY or
		 * DISPLAY in the environment cannot turn this into a nested run. */
		server->backend = wlr_headless_backend_create(server->display);
	} else {
		/* DRM+libinput via libseat on a VT, a window when nested, or what
		 * WLR_BACKENDS says. */
		server->backend = wlr_backend_autocreate(server->display);
	}
	if (server->backend == NULL) {
		wlr_log(WLR_ERROR, "cannot create the backend");
		return false;
	}
	server->session = wlr_backend_get_session(server->backend);
	return true;
}

/* A misbehaving client gets at most one log line of each kind a second. */
#define CLIENT_LOG_INTERVAL_NS 1000000000

/* Core globals every client expects. */
static bool create_globals(struct fw_server *server) {
	/* wl_shm, and zwp_linux_dmabuf_v1 when the renderer imports dma-bufs. */
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		return false;
	}
	server->compositor =
		wlr_compositor_create(server->display, server->renderer);
	if (server->compositor == NULL) {
		return false;
	}
	/* wlroots 0.15 creates wl_subcompositor along with wl_compositor. */
	server->subcompositor = &server->compositor->subcompositor;
	if (wlr_data_device_manager_create(server->display) == NULL ||
		wlr_xdg_output_manager_v1_create(server->display,
			server->output_layout) == NULL ||
		wlr_screencopy_manager_v1_create(server->display) == NULL ||
		wlr_viewporter_create(server->display) == NULL) {
		return false;
	}
	server->commits = fw_commit_tracker_create(server);
	if (server->commits == NULL) {
		return false;
	}
	server->stalls =
		fw_stalls_create(server->commits, &server->clients, server->event_loop,
			&server->telemetry, server->config.stall_threshold_ms);
	if (server->stalls == NULL) {
		return false;
	}
	if (server->config.trace_path != NULL || server->config.trace_marker) {
		int fd = -1;
		if (server->config.trace_path != NULL) {
			fd = open(server->config.trace_path,
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0) {
				wlr_log_errno(WLR_ERROR, "--trace %s",
					server->config.trace_path);
				return false;
			}
		}
		server->telemetry =
			fw_telemetry_create(server->commits, &server->clients,
				server->protocol_watch, fd, server->config.trace_marker);
		if (server->telemetry == NULL) {
			return false;
		}
	}
	clockid_t clock = wlr_backend_get_presentation_clock(server->backend);
	server->presentation = fw_presentation_create(server, clock);
	return server->presentation != NULL;
}

bool fw_server_init(struct fw_server *server, const struct fw_config *config) {
	server->config = *config;
	const uint32_t budget[FW_BUDGET_COUNT] = {
		[FW_BUDGET_FDS] = config->fd_budget,
		[FW_BUDGET_WAITS] = config->wait_budget,
	};
	fw_clients_init(&server->clients, CLIENT_LOG_INTERVAL_NS, budget);
	wl_list_init(&server->modules);
	wl_list_init(&server->outputs);
	wl_list_init(&server->views);
	server->exit_status = 0;

	server->display = wl_display_create();
	if (server->display == NULL) {
		return false;
	}
	server->event_loop = wl_display_get_event_loop(server->display);
	/* Before anything that observes requests (the commit tracker). */
	server->protocol_watch = fw_protocol_watch_create(server->display);
	if (server->protocol_watch == NULL) {
		goto fail;
	}

	if (!create_backend(server)) {
		goto fail;
	}
	/* Without a DRM device anywhere, pixman is all there can be, and
	 * wlroots' autocreate would log an ERROR while looking for one. */
	struct wlr_renderer *renderer;
	if (server->config.no_render_node &&
		wlr_backend_get_drm_fd(server->backend) < 0) {
		renderer = wlr_pixman_renderer_create();
	} else {
		renderer = wlr_renderer_autocreate(server->backend);
	}
	server->renderer = fw_pixman_blit_wrap(renderer);
	if (server->renderer == NULL) {
		wlr_log(WLR_ERROR, "cannot create a renderer");
		goto fail;
	}
	server->allocator =
		wlr_allocator_autocreate(server->backend, server->renderer);
	if (server->allocator == NULL) {
		wlr_log(WLR_ERROR, "cannot create an allocator");
		goto fail;
	}

	server->output_layout = wlr_output_layout_create();
	server->scene = wlr_scene_create();
	if (server->output_layout == NULL || server->scene == NULL ||
		!wlr_scene_attach_output_layout(server->scene, server->output_layout)) {
		goto fail;
	}
	if (!create_globals(server)) {
		wlr_log(WLR_ERROR, "cannot create the core globals");
		goto fail;
	}
	if (!fw_output_init(server) || !fw_xdg_shell_init(server) ||
		!fw_cursor_init(server) || !fw_seat_init(server)) {
		goto fail;
	}

	/*
	 * ---> Optional modules.  The core is complete here, nothing is
	 *      listening yet: this is where the explicit-sync globals (and any
	 *      other module) are set up with the server pointer.  See modules.h.
	 */
	for (size_t i = 0; fw_builtin_modules[i] != NULL; i++) {
		if (!fw_server_add_module(server, fw_builtin_modules[i])) {
			goto fail;
		}
	}

	if (server->config.headless &&
		wlr_headless_add_output(server->backend, server->config.width,
			server->config.height) == NULL) {
		wlr_log(WLR_ERROR, "cannot add the headless output");
		goto fail;
	}

	if (server->config.handle_signals) {
		server->sigint = wl_event_loop_add_signal(server->event_loop, SIGINT,
			handle_stop_signal, server);
		server->sigterm = wl_event_loop_add_signal(server->event_loop, SIGTERM,
			handle_stop_signal, server);
		if (server->sigint == NULL || server->sigterm == NULL) {
			wlr_log(WLR_ERROR, "cannot watch SIGINT and SIGTERM");
			goto fail;
		}
		/* A client that hangs up mid-write must not kill us (libwayland
		 * sends with MSG_NOSIGNAL; this covers everything else). */
		signal(SIGPIPE, SIG_IGN);
	}

	if (!wlr_backend_start(server->backend) ||
		!fw_seat_ensure_keyboard(server)) {
		wlr_log(WLR_ERROR, "cannot start the backend");
		goto fail;
	}

	/* The socket last: a client that can connect finds every global and
	 * the outputs already there. */
	if (!server->config.no_socket) {
		server->socket = fw_socket_create(server->display,
			server->config.runtime_dir, server->config.socket_name);
		if (server->socket == NULL) {
			goto fail;
		}
		server->ctl = fw_ctl_create(server, server->config.runtime_dir,
			fw_socket_name(server->socket));
		if (server->ctl == NULL) {
			goto fail;
		}
		wlr_log(WLR_INFO, "listening on WAYLAND_DISPLAY=%s",
			fw_socket_name(server->socket));
	}
	if (!fw_children_start(server)) {
		goto fail;
	}
	return true;

fail:
	fw_server_finish(server);
	return false;
}

struct wl_client *fw_server_add_client(struct fw_server *server, int fd) {
	struct wl_client *client = wl_client_create(server->display, fd);
	if (client == NULL) {
		close(fd);
	}
	return client;
}

void fw_server_run(struct fw_server *server) {
	wl_display_run(server->display);
}

void fw_server_terminate(struct fw_server *server) {
	wl_display_terminate(server->display);
}

void fw_server_finish(struct fw_server *server) {
	if (server->display == NULL) {
		return;
	}
	/* No new clients, then clients first: their surfaces, views and
	 * feedbacks unwind through the normal destroy paths while everything
	 * they point into exists. */
	fw_ctl_destroy(server->ctl);
	server->ctl = NULL;
	fw_socket_destroy(server->socket);
	server->socket = NULL;
	/* Each client's stall summary is logged as it goes. */
	wl_display_destroy_clients(server->display);
	fw_server_finish_modules(server);

	if (server->sigint != NULL) {
		wl_event_source_remove(server->sigint);
	}
	if (server->sigterm != NULL) {
		wl_event_source_remove(server->sigterm);
	}
	fw_children_finish(server);

	/* Our listeners on backend and seat signals go before their owners. */
	if (server->seat != NULL) {
		fw_seat_finish(server);
	}
	if (server->backend != NULL) {
		if (server->new_output.notify != NULL) {
			wl_list_remove(&server->new_output.link);
			fw_output_finish(server);
		}
		/* Destroys input devices (and any output that never got a
		 * fw_output); fw_ structs go with them through the listeners. */
		wlr_backend_destroy(server->backend);
		server->backend = NULL;
	}
	fw_xdg_shell_finish(server);
	fw_cursor_finish(server);
	fw_presentation_destroy(server->presentation);
	server->presentation = NULL;
	fw_telemetry_destroy(server->telemetry);
	server->telemetry = NULL;
	fw_stalls_destroy(server->stalls);
	server->stalls = NULL;
	fw_commit_tracker_destroy(server->commits);
	server->commits = NULL;
	fw_protocol_watch_destroy(server->protocol_watch);
	server->protocol_watch = NULL;
	/* The layout before the scene and the display: wlroots 0.15 ties the
	 * scene's layout attachment and the xdg-output manager to the layout's
	 * destroy signal (each frees itself there), while the scene does not
	 * detach from a layout that outlives it. */
	if (server->output_layout != NULL) {
		wlr_output_layout_destroy(server->output_layout);
		server->output_layout = NULL;
	}
	if (server->scene != NULL) {
		wlr_scene_node_destroy(&server->scene->node);
		server->scene = NULL;
	}
	/* The display takes its globals (compositor, seat, shells, ...). */
	wl_display_destroy(server->display);
	server->display = NULL;
	fw_clients_finish(&server->clients);
	if (server->allocator != NULL) {
		wlr_allocator_destroy(server->allocator);
	}
	if (server->renderer != NULL) {
		wlr_renderer_destroy(server->renderer);
	}
	wlr_log(WLR_INFO,
		"stats: output_commits=%llu presented=%llu "
		"discarded=%llu toplevels=%llu",
		(unsigned long long)server->stats.output_commits,
		(unsigned long long)server->stats.feedback_presented,
		(unsigned long long)server->stats.feedback_discarded,
		(unsigned long long)server->stats.toplevels_mapped);
}
