/*
 * Outputs: pick a mode, add them to the layout and the scene, and drive the
 * frame loop: render the scene on each frame event, tell clients their
 * frame is done, and send the present event headless outputs lack (the
 * commit tracker, commit.c, follows commits and presents itself).
 */
#include <stdlib.h>
#include <time.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/backend/wayland.h>
#include <wlr/interfaces/wlr_output.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_damage.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/util/log.h>
#include "cursor.h"
#include "output.h"
#include "telemetry.h"
#include "server.h"

/* Is the output showing a client buffer directly (no composition)? */
static bool output_scanned_out(struct fw_output *output) {
	/* wlroots 0.15's scene remembers the outcome of its last attempt in
	 * prev_scanout; it is "private", but reading it costs nothing and lets
	 * the log answer the scan-out question (docs/compositor.md) on any
	 * backend. */
	return output->scene_output->prev_scanout;
}

static void output_handle_frame(struct wl_listener *listener, void *data) {
	struct fw_output *output = wl_container_of(listener, output, frame);
	struct fw_server *server = output->server;
	struct wlr_output *wlr_output = output->wlr_output;

	/* wlr_scene_output_commit() returns true without committing when
	 * nothing was damaged; only a moved commit_seq means a new frame. */
	uint32_t seq_before = wlr_output->commit_seq;
	if (!wlr_scene_output_commit(output->scene_output)) {
		wlr_log(WLR_DEBUG, "output %s: commit failed", wlr_output->name);
	}
	bool committed = wlr_output->commit_seq != seq_before;

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);

	if (committed) {
		server->stats.output_commits++;
		if (output_scanned_out(output) && !output->scanout_logged) {
			output->scanout_logged = true;
			wlr_log(WLR_INFO,
				"output %s: direct scan-out of a client "
				"buffer",
				wlr_output->name);
		}
		if (output->manual_present) {
			struct wlr_output_event_present ev = {
				.output = wlr_output,
				.commit_seq = wlr_output->commit_seq,
				.presented = true,
				.when = &now,
				.seq = wlr_output->commit_seq,
				.refresh = wlr_output->refresh > 0
					? (int)(1000000000000LL / wlr_output->refresh)
					: 0,
				/* No vsync, no hardware clock: only "zero copy" can be
				 * claimed, when the client buffer itself was committed. */
				.flags = output_scanned_out(output)
					? WLR_OUTPUT_PRESENT_ZERO_COPY
					: 0,
			};
			wlr_output_send_present(wlr_output, &ev);
		}
	}

	/* Clients draw their next frame when told this one is done. */
	wlr_scene_output_send_frame_done(output->scene_output, &now);
	fw_telemetry_flush(server->telemetry);
}

static void output_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_output *output = wl_container_of(listener, output, destroy);
	wlr_log(WLR_INFO, "output %s removed", output->wlr_output->name);
	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	free(output);
}

/* Choose and apply the mode; false if the output cannot be enabled. */
static bool output_configure(struct fw_server *server,
	struct wlr_output *wlr_output) {
	wlr_output_enable(wlr_output, true);
	if (wlr_output_is_headless(wlr_output)) {
		/* Headless outputs take any size: use --output. */
		wlr_output_set_custom_mode(wlr_output, server->config.width,
			server->config.height, server->config.refresh_mhz);
		return wlr_output_commit(wlr_output);
	}
	/* Real and nested outputs: the preferred mode (KMS knows best), and
	 * if the hardware refuses it (bandwidth, a virtual GPU's limits), the
	 * other modes in the order the connector lists them. */
	struct wlr_output_mode *preferred = wlr_output_preferred_mode(wlr_output);
	if (preferred != NULL) {
		wlr_output_set_mode(wlr_output, preferred);
	}
	if (wlr_output_commit(wlr_output)) {
		return true;
	}
	struct wlr_output_mode *mode;
	wl_list_for_each(mode, &wlr_output->modes, link) {
		if (mode == preferred) {
			continue;
		}
		wlr_output_enable(wlr_output, true);
		wlr_output_set_mode(wlr_output, mode);
		if (wlr_output_commit(wlr_output)) {
			wlr_log(WLR_INFO,
				"output %s: preferred mode refused, using "
				"%dx%d@%d mHz",
				wlr_output->name, mode->width, mode->height, mode->refresh);
			return true;
		}
	}
	return false;
}

static void server_handle_new_output(struct wl_listener *listener, void *data) {
	struct fw_server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	/* Tie the output's swapchain to our allocator and renderer. */
	if (!wlr_output_init_render(wlr_output, server->allocator,
			server->renderer)) {
		wlr_log(WLR_ERROR, "output %s: cannot init rendering",
			wlr_output->name);
		return;
	}
	if (!output_configure(server, wlr_output)) {
		wlr_log(WLR_ERROR, "output %s: cannot enable", wlr_output->name);
		return;
	}

	struct fw_output *output = calloc(1, sizeof(*output));
	if (output == NULL) {
		wlr_log(WLR_ERROR, "output %s: out of memory", wlr_output->name);
		return;
	}
	output->server = server;
	output->wlr_output = wlr_output;
	output->manual_present = wlr_output_is_headless(wlr_output);
	output->frame.notify = output_handle_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->destroy.notify = output_handle_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(&server->outputs, &output->link);

	/* The layout places outputs left to right and creates the wl_output
	 * global; the scene follows the layout (wlr_scene_attach_output_layout),
	 * creating the scene output for us. */
	wlr_output_layout_add_auto(server->output_layout, wlr_output);
	wlr_output_create_global(wlr_output);
	output->scene_output =
		wlr_scene_get_scene_output(server->scene, wlr_output);
	if (output->scene_output == NULL) {
		output->scene_output =
			wlr_scene_output_create(server->scene, wlr_output);
	}

	/* A visible pointer where there is a screen to look at; headless
	 * frames stay free of a software cursor (tests read their pixels). */
	if (!output->manual_present && server->cursor != NULL) {
		fw_cursor_reset_image(server->cursor);
	}

	struct wlr_box box;
	box = *wlr_output_layout_get_box(server->output_layout, wlr_output);
	wlr_log(WLR_INFO, "output %s mode %dx%d@%d.%03dHz at %d,%d%s",
		wlr_output->name, wlr_output->width, wlr_output->height,
		wlr_output->refresh / 1000, wlr_output->refresh % 1000, box.x, box.y,
		output->manual_present ? " (headless)" : "");
}

void fw_output_request_frame(struct fw_server *server) {
	struct fw_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		/* One damaged pixel is enough to make the scene commit a frame;
		 * the damage tracker schedules the frame event itself. */
		struct wlr_box px = {.x = 0, .y = 0, .width = 1, .height = 1};
		wlr_output_damage_add_box(output->scene_output->damage, &px);
	}
}

static void roundtrip_if_nested(struct wlr_backend *backend, void *data) {
	if (wlr_backend_is_wl(backend)) {
		/* Errors mean the parent is gone; nothing more will come then.
		 * A parent that stopped answering holds our exit here, as it
		 * already held every frame. */
		wl_display_roundtrip(wlr_wl_backend_get_remote_display(backend));
	}
}

void fw_output_finish(struct fw_server *server) {
	/*
	 * Destroying an output drops its swapchains, but a buffer the backend
	 * has handed to the screen stays locked until the screen gives it back.
	 * On DRM and headless that lock goes with the backend.  The wlroots
	 * 0.15 Wayland backend instead keeps it until the parent compositor's
	 * wl_buffer.release, and its backend destroy frees the wrapper without
	 * unlocking (destroy_wl_buffer), so the last frame and cursor image
	 * would never be freed.  Destroying the outputs first removes their
	 * parent surfaces (window and cursor); the parent then releases what
	 * they showed, and one roundtrip dispatches those releases, which
	 * unlock and free the buffers while backend and allocator still exist.
	 */
	struct fw_output *output, *tmp;
	wl_list_for_each_safe(output, tmp, &server->outputs, link) {
		/* wlroots 0.15 removes a wl_output global "safely": hidden now,
		 * destroyed from a 5 s timer so that racing binds do not fail.
		 * At shutdown that timer never fires and the global's bookkeeping
		 * leaks (fixed upstream later).  No client is left to race with,
		 * so destroy the global directly. */
		if (output->wlr_output->global != NULL) {
			wl_global_destroy(output->wlr_output->global);
			output->wlr_output->global = NULL;
		}
		/* Our destroy listener frees output. */
		wlr_output_destroy(output->wlr_output);
	}
	if (wlr_backend_is_multi(server->backend)) {
		wlr_multi_for_each_backend(server->backend, roundtrip_if_nested, NULL);
	} else {
		roundtrip_if_nested(server->backend, NULL);
	}
}

bool fw_output_init(struct fw_server *server) {
	wl_list_init(&server->outputs);
	server->new_output.notify = server_handle_new_output;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);
	return true;
}
