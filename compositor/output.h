/*
 * Outputs: one struct fw_output per wlr_output, owned by output.c and freed
 * when the wlr_output is destroyed.
 */
#ifndef FENCEWAY_OUTPUT_H
#define FENCEWAY_OUTPUT_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct fw_server;
struct wlr_output;
struct wlr_scene_output;

struct fw_output {
	struct fw_server *server;
	struct wlr_output *wlr_output;         /* backend-owned */
	struct wlr_scene_output *scene_output; /* scene-owned */
	struct wl_list link;                   /* fw_server.outputs */
	/* Headless only: wlroots 0.15 drops the backend's own present event,
	 * so fenceway sends one after each real commit (docs/compositor.md). */
	bool manual_present;
	bool scanout_logged; /* direct scan-out seen and logged */
	struct wl_listener frame;
	struct wl_listener destroy;
};

/*
 * Make every output draw a new frame soon, even if nothing in the scene
 * changed (used to get an applied commit's presentation feedback onto the
 * screen).
 */
void fw_output_request_frame(struct fw_server *server);

/*
 * Destroy every output (their fw_outputs go with them) and collect the
 * buffers a parent compositor still held when nested.  Call before
 * wlr_backend_destroy(), with the allocator still alive.
 */
void fw_output_finish(struct fw_server *server);

#endif
