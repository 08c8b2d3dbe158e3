/*
 * Caps: going past a documented limit disconnects that
 * client with an implementation error (wl_display error 3) whose message
 * names the limit -- libwayland prints it on the client's stderr, where
 * the Python side looks for the limit's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include "es-client.h"
#include "es-scenarios.h"

/* The compositor's caps (docs/explicit-sync.md). */
#define CAP_QUEUED_COMMITS 64
#define CAP_TIMELINES 256

int so_cap_commits(void) {
	struct es_conn *c = es_connect();
	struct wtc_toplevel *w = es_window_create(c, "cap-commits");
	struct wp_linux_drm_syncobj_surface_v1 *so =
		wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, w->surface);
	struct es_timeline *acq = es_timeline_new(c, "cap-acquire");
	struct es_timeline *rel = es_timeline_new(c, "cap-release");
	struct wl_buffer *buffer = es_buffer(c, 32, 32, ES_RED);
	/* Every commit waits for a point that never signals. */
	for (uint64_t i = 1; i <= CAP_QUEUED_COMMITS; i++) {
		es_set_acquire(so, acq, i);
		es_set_release(so, rel, i);
		es_attach(w->surface, buffer);
		wl_surface_commit(w->surface);
	}
	es_expect_no_error(c);
	printf("%d commits held: no error yet\n", CAP_QUEUED_COMMITS);
	es_set_acquire(so, acq, CAP_QUEUED_COMMITS + 1);
	es_set_release(so, rel, CAP_QUEUED_COMMITS + 1);
	es_attach(w->surface, buffer);
	wl_surface_commit(w->surface);
	es_expect_error(c, &wl_display_interface, 1,
		WL_DISPLAY_ERROR_IMPLEMENTATION);
}

int so_cap_timelines(void) {
	struct es_conn *c = es_connect();
	for (int i = 0; i < CAP_TIMELINES; i++) {
		es_timeline_new(c, "cap");
		if (i % 32 == 31) {
			es_roundtrip(c);
		}
	}
	es_expect_no_error(c);
	printf("%d timelines imported: no error yet\n", CAP_TIMELINES);
	es_timeline_new(c, "cap-one-too-many");
	es_expect_error(c, &wl_display_interface, 1,
		WL_DISPLAY_ERROR_IMPLEMENTATION);
}
