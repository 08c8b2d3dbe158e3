/*
 * Budgets (docs/explicit-sync.md, "Budgets and caps"): what one client may
 * pin in the compositor -- fds and pending waits -- and the error that cuts
 * a client going past one.  The budgets themselves are set by the Python
 * side (--fd-budget, --wait-budget, or the fd limit it gives fenceway);
 * these scenarios say where they were cut, and test_es.py checks it.
 *
 * A cut is an implementation error (wl_display error 3) whose message,
 * printed by libwayland on the client's stderr, names the budget first.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fenceway/libsync.h>
#include "es-client.h"
#include "es-scenarios.h"

#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); printf("\n"); \
	return 1; } while (0)

/* More than any budget a test sets: a hog that is never cut fails. */
#define HOG_MAX 4096

/*
 * Roundtrip; true if the connection still stands.  A protocol error is
 * printed ("cut: ..."); status 0 when it is the implementation error a
 * budget posts, 1 for any other.
 */
static bool still_connected(struct es_conn *c, int *status) {
	if (wl_display_roundtrip(c->wl.display) >= 0) {
		return true;
	}
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(c->wl.display, &iface, &id);
	printf("cut: %s@%u code %u (errno %d)\n",
		iface != NULL ? iface->name : "(none)", id, code,
		wl_display_get_error(c->wl.display));
	*status = iface == &wl_display_interface &&
		code == WL_DISPLAY_ERROR_IMPLEMENTATION ? 0 : 1;
	return false;
}

/* A timeline of ours imported, then dropped here: only the compositor's
 * copy stays, so the hog itself needs no fds for it. */
static struct wp_linux_drm_syncobj_timeline_v1 *import_dropped(
		struct es_conn *c) {
	struct es_timeline *tl = es_timeline_new(c, "budget");
	struct wp_linux_drm_syncobj_timeline_v1 *obj = tl->obj;
	fw_timeline_put(tl->timeline);
	free(tl);
	return obj;
}

/* A plain wl_surface with a commit held on point 1 of its own timeline,
 * whose object is destroyed right after the commit. */
static void hold_on_new_timeline(struct es_conn *c, struct wl_buffer *buffer) {
	struct wl_surface *surface =
		wl_compositor_create_surface(c->wl.compositor);
	struct wp_linux_drm_syncobj_surface_v1 *so =
		wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, surface);
	struct wp_linux_drm_syncobj_timeline_v1 *tl = import_dropped(c);
	wp_linux_drm_syncobj_surface_v1_set_acquire_point(so, tl, 0, 1);
	wp_linux_drm_syncobj_surface_v1_set_release_point(so, tl, 0, 2);
	es_attach(surface, buffer);
	wl_surface_commit(surface);
	wp_linux_drm_syncobj_timeline_v1_destroy(tl);
}

/*
 * Pins until cut.  With FW_ES_HOG_HOLD=N in the environment it stops
 * after N pins if not cut by then, says "HOLDING N" and keeps them until
 * killed: a hog that takes exactly the fds the compositor has left, so
 * that another client's import would find none.
 */
int so_budget_hog(void) {
	const char *hold_text = getenv("FW_ES_HOG_HOLD");
	int hold = hold_text != NULL ? atoi(hold_text) : HOG_MAX;
	if (hold <= 0 || hold > HOG_MAX) {
		wtc_die("FW_ES_HOG_HOLD must be 1..%d", HOG_MAX);
	}
	struct es_conn *c = es_connect();
	struct wl_buffer *buffer = es_buffer(c, 16, 16, ES_RED);
	int status = 1;
	for (int i = 1; i <= hold; i++) {
		hold_on_new_timeline(c, buffer);
		if (i % 16 == 0 || i == hold) {
			if (!still_connected(c, &status)) {
				printf("cut after at most %d timelines pinned\n", i);
				return status;
			}
			printf("pinned %d\n", i);
		}
	}
	if (hold_text == NULL) {
		FAIL("%d timelines pinned without being cut", HOG_MAX);
	}
	printf("HOLDING %d\n", hold);
	for (;;) {
		pause();
	}
}

int so_budget_innocent(void) {
	/* Blocked before READY, so the signal cannot come too early. */
	sigset_t go;
	sigemptyset(&go);
	sigaddset(&go, SIGUSR1);
	sigprocmask(SIG_BLOCK, &go, NULL);
	struct es_conn *c = es_connect();
	struct wtc_toplevel *w = es_window_create(c, "budget-innocent");
	es_roundtrip(c);
	printf("READY\n");
	int sig = 0;
	sigwait(&go, &sig);

	/* After the hog: a valid timeline imports, and a frame on it shows. */
	struct wp_linux_drm_syncobj_surface_v1 *so =
		wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, w->surface);
	struct es_timeline *acq = es_timeline_new(c, "innocent-acquire");
	struct es_timeline *rel = es_timeline_new(c, "innocent-release");
	es_roundtrip(c);
	printf("imported\n");
	struct es_frame frame = {0};
	es_set_acquire(so, acq, 1);
	es_set_release(so, rel, 1);
	es_attach(w->surface, es_buffer(c, 64, 64, ES_GREEN));
	es_request_frame(w->surface, &frame);
	wl_surface_commit(w->surface);
	es_roundtrip(c);
	es_timeline_signal(acq, 1);
	if (!es_wait_count(c, &frame.done, 1, ES_WAIT_MS)) {
		FAIL("the innocent client's frame was never shown");
	}
	printf("presented\n");
	return es_pass(c);
}

int so_budget_waits(void) {
	struct es_conn *c = es_connect();
	struct wl_buffer *buffer = es_buffer(c, 16, 16, ES_BLUE);
	/* Many commits held on one timeline are one wait. */
	struct wp_linux_drm_syncobj_timeline_v1 *shared = import_dropped(c);
	for (uint32_t i = 1; i <= 12; i++) {
		struct wl_surface *surface =
			wl_compositor_create_surface(c->wl.compositor);
		struct wp_linux_drm_syncobj_surface_v1 *so =
			wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, surface);
		wp_linux_drm_syncobj_surface_v1_set_acquire_point(so, shared, 0, i);
		wp_linux_drm_syncobj_surface_v1_set_release_point(so, shared, 0,
			1000 + i);
		es_attach(surface, buffer);
		wl_surface_commit(surface);
	}
	es_expect_no_error(c);
	printf("12 commits held on one timeline: no error\n");
	/* Each timeline more is one wait more, until the budget cuts. */
	int status = 1;
	for (int i = 1; i <= HOG_MAX; i++) {
		hold_on_new_timeline(c, buffer);
		if (!still_connected(c, &status)) {
			printf("cut at timeline %d of its own\n", i);
			return status;
		}
	}
	FAIL("never cut");
}

int so_budget_shared(void) {
	struct es_conn *c = es_connect();
	/* One timeline imported twice (two objects), and two others. */
	struct fw_timeline *timeline = NULL;
	int ret = fw_timeline_create("budget-shared", &timeline);
	if (ret < 0) {
		wtc_die("fw_timeline_create: %s", strerror(-ret));
	}
	for (int i = 0; i < 2; i++) {
		int fd = fw_timeline_export_fd(timeline);
		if (fd < 0) {
			wtc_die("fw_timeline_export_fd: %s", strerror(-fd));
		}
		wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj, fd);
		close(fd);
	}
	import_dropped(c);
	import_dropped(c);
	es_expect_no_error(c);
	printf("one timeline twice and two others: no error\n");
	import_dropped(c);
	int status = 1;
	if (still_connected(c, &status)) {
		FAIL("a fourth import was not cut");
	}
	printf("cut at the fourth timeline\n");
	return status;
}

int v1_budget_fences(void) {
	struct es_conn *c = es_connect();
	struct wl_buffer *buffer = es_buffer(c, 16, 16, ES_WHITE);
	int status = 1;
	for (int i = 1; i <= HOG_MAX; i++) {
		struct wl_surface *surface =
			wl_compositor_create_surface(c->wl.compositor);
		struct zwp_linux_surface_synchronization_v1 *sync =
			zwp_linux_explicit_synchronization_v1_get_synchronization(
				c->sync_v1, surface);
		int timeline = -1;
		int fence = es_pending_fence(&timeline, "budget-fence");
		zwp_linux_surface_synchronization_v1_set_acquire_fence(sync, fence);
		close(fence);
		es_attach(surface, buffer);
		wl_surface_commit(surface);
		if (!still_connected(c, &status)) {
			printf("cut at acquire fence %d\n", i);
			return status;
		}
	}
	FAIL("never cut");
}
