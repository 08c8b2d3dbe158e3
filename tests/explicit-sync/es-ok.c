/*
 * Things that must NOT be errors, each checked by a
 * full cycle: the commit is accepted and, where it carries a buffer, shown
 * (its frame callback arrives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "es-client.h"
#include "es-scenarios.h"

static void wait_frame(struct es_conn *c, struct es_frame *frame,
		const char *what) {
	if (!es_wait_count(c, &frame->done, 1, ES_WAIT_MS)) {
		printf("FAIL: no frame callback for %s\n", what);
		exit(1);
	}
}

/* A commit of buffer that must be shown (its frame callback arrives). */
static void commit_shown(struct es_conn *c, struct wl_surface *surface,
		struct wl_buffer *buffer, const char *what) {
	if (!es_commit_shown(c, surface, buffer)) {
		printf("FAIL: no frame callback for %s\n", what);
		exit(1);
	}
}

struct so_win {
	struct es_conn *c;
	struct wtc_toplevel *w;
	struct wp_linux_drm_syncobj_surface_v1 *so;
	struct es_timeline *acq;
	struct es_timeline *rel;
	struct wl_buffer *buffer;
};

static void so_win_setup(struct so_win *s, const char *title) {
	s->c = es_connect();
	s->w = es_window_create(s->c, title);
	s->so = wp_linux_drm_syncobj_manager_v1_get_surface(s->c->syncobj,
		s->w->surface);
	s->acq = es_timeline_new(s->c, "es-ok-acquire");
	s->rel = es_timeline_new(s->c, "es-ok-release");
	s->buffer = es_buffer(s->c, 64, 64, ES_RED);
	es_expect_no_error(s->c);
}

/* The window's buffer with these points (acquire already signalled):
 * the commit must be shown. */
static void so_commit_shown(struct so_win *s, uint64_t acquire,
		uint64_t release, const char *what) {
	es_set_acquire(s->so, s->acq, acquire);
	es_set_release(s->so, s->rel, release);
	commit_shown(s->c, s->w->surface, s->buffer, what);
}

int so_ok_empty_commit(void) {
	struct so_win s;
	so_win_setup(&s, "ok-empty");
	/* Neither buffer nor points: nothing to check. */
	wl_surface_commit(s.w->surface);
	es_expect_no_error(s.c);
	/* And a damage-only commit after a buffer commit. */
	es_timeline_signal(s.acq, 1);
	so_commit_shown(&s, 1, 1, "the buffer commit");
	wl_surface_damage_buffer(s.w->surface, 0, 0, 8, 8);
	wl_surface_commit(s.w->surface);
	return es_pass(s.c);
}

int so_ok_null_attach(void) {
	struct so_win s;
	so_win_setup(&s, "ok-null");
	es_attach(s.w->surface, NULL);
	wl_surface_commit(s.w->surface);
	return es_pass(s.c);
}

int so_ok_different_timelines(void) {
	/* acquire >= release is fine on different timeline objects. */
	struct so_win s;
	so_win_setup(&s, "ok-different");
	es_timeline_signal(s.acq, 10);
	so_commit_shown(&s, 10, 1, "the commit");
	return es_pass(s.c);
}

int so_ok_same_timeline_two_objects(void) {
	/* Two timeline objects imported from one timeline are two objects:
	 * acquire >= release on them is no conflict, even though the
	 * compositor shares the underlying timeline. */
	struct so_win s;
	so_win_setup(&s, "ok-two-objects");
	int fd = fw_timeline_export_fd(s.acq->timeline);
	if (fd < 0) {
		wtc_die("fw_timeline_export_fd: %d", fd);
	}
	struct es_timeline twin = {
		.timeline = s.acq->timeline,
		.obj = wp_linux_drm_syncobj_manager_v1_import_timeline(s.c->syncobj,
			fd),
	};
	close(fd);
	es_timeline_signal(s.acq, 5);
	es_set_acquire(s.so, s.acq, 5);
	es_set_release(s.so, &twin, 3);
	commit_shown(s.c, s.w->surface, s.buffer, "acquire 5, release 3");
	return es_pass(s.c);
}

int so_ok_replace_point(void) {
	/* The second set_acquire_point replaces the first (which never
	 * signals): the commit must be applied. */
	struct so_win s;
	so_win_setup(&s, "ok-replace");
	es_timeline_signal(s.acq, 1);
	es_set_acquire(s.so, s.acq, 100);
	es_set_release(s.so, s.rel, 7);
	so_commit_shown(&s, 1, 1, "the commit with replaced points");
	/* Supersede it: the release point is the replacing one, 1 -- not 7. */
	so_commit_shown(&s, 1, 2, "the second commit");
	uint64_t v = es_timeline_value(s.rel);
	if (v != 1) {
		printf("FAIL: release timeline at %llu, expected 1\n",
			(unsigned long long)v);
		return 1;
	}
	return es_pass(s.c);
}

int so_ok_timeline_destroyed(void) {
	/* Timeline objects destroyed after set_*_point and before commit: the
	 * points stay set and keep working (wait, then release). */
	struct so_win s;
	so_win_setup(&s, "ok-destroyed");
	es_timeline_signal(s.acq, 1);
	so_commit_shown(&s, 1, 1, "the first commit");

	es_set_acquire(s.so, s.acq, 2);     /* not signalled yet */
	es_set_release(s.so, s.rel, 2);
	wp_linux_drm_syncobj_timeline_v1_destroy(s.acq->obj);
	wp_linux_drm_syncobj_timeline_v1_destroy(s.rel->obj);
	es_attach(s.w->surface, s.buffer);
	struct es_frame frame2 = {0};
	es_request_frame(s.w->surface, &frame2);
	wl_surface_commit(s.w->surface);
	es_expect_no_error(s.c);
	if (frame2.done != 0) {
		printf("FAIL: commit applied before its acquire point\n");
		return 1;
	}
	es_timeline_signal(s.acq, 2);
	wait_frame(s.c, &frame2, "the commit on destroyed timeline objects");
	if (es_timeline_value(s.rel) != 1) {
		printf("FAIL: first commit not released through the destroyed "
			"timeline object\n");
		return 1;
	}
	return es_pass(s.c);
}

int so_ok_shm(void) {
	/* wl_shm buffers are accepted with points (never unsupported_buffer). */
	struct so_win s;
	so_win_setup(&s, "ok-shm");
	es_timeline_signal(s.acq, 1);
	so_commit_shown(&s, 1, 1, "the shm commit");
	return es_pass(s.c);
}

int v1_ok_shm(void) {
	struct es_conn *c = es_connect();
	struct wtc_toplevel *w = es_window_create(c, "v1-ok-shm");
	struct zwp_linux_surface_synchronization_v1 *sync =
		zwp_linux_explicit_synchronization_v1_get_synchronization(c->sync_v1,
			w->surface);
	int fence = es_signalled_fence("v1-ok");
	zwp_linux_surface_synchronization_v1_set_acquire_fence(sync, fence);
	close(fence);
	struct es_release rel;
	es_get_release(sync, &rel);
	commit_shown(c, w->surface, es_buffer(c, 64, 64, ES_RED),
		"the shm commit with a fence");
	return es_pass(c);
}

int v1_ok_release_after_commit(void) {
	/* Release objects are per commit cycle: one per cycle is fine. */
	struct es_conn *c = es_connect();
	struct wtc_toplevel *w = es_window_create(c, "v1-ok-cycle");
	struct zwp_linux_surface_synchronization_v1 *sync =
		zwp_linux_explicit_synchronization_v1_get_synchronization(c->sync_v1,
			w->surface);
	struct wl_buffer *buffer = es_buffer(c, 64, 64, ES_RED);
	struct es_release r1, r2;
	es_get_release(sync, &r1);
	es_roundtrip(c);
	es_attach(w->surface, buffer);
	wl_surface_commit(w->surface);
	es_get_release(sync, &r2);
	es_roundtrip(c);
	es_attach(w->surface, buffer);
	wl_surface_commit(w->surface);
	return es_pass(c);
}
