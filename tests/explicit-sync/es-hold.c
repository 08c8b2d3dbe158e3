/*
 * Holding commits until their acquire fence signals (docs/explicit-sync.md).
 *
 * Every check is a count or an order, never a clock: "while A is held, B
 * gets at least 5 frames presented"; "no captured frame shows A's new
 * buffer before its fence signalled"; "A's frame callback and feedback for
 * the held commit come only after it is applied".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fenceway/libsync.h>
#include "es-client.h"
#include "es-scenarios.h"

#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); printf("\n"); \
	return 1; } while (0)

/* Surface A of client A, on the syncobj protocol. */
struct held_a {
	struct es_conn *c;
	struct wtc_toplevel *w;
	struct wp_linux_drm_syncobj_surface_v1 *so;
	struct es_timeline *acq;
	struct es_timeline *rel1, *rel2;
	struct es_frame frame2;
	struct wtc_feedback feedback2;
};

/* A shows red (applied), then commits green on acquire point 2 (held). */
static int held_a_setup(struct held_a *a, const char *title) {
	a->c = es_connect();
	a->w = es_window_create(a->c, title);
	a->so = wp_linux_drm_syncobj_manager_v1_get_surface(a->c->syncobj,
		a->w->surface);
	a->acq = es_timeline_new(a->c, "es-hold-acquire");
	a->rel1 = es_timeline_new(a->c, "es-hold-release1");
	a->rel2 = es_timeline_new(a->c, "es-hold-release2");

	es_timeline_signal(a->acq, 1);
	es_set_acquire(a->so, a->acq, 1);
	es_set_release(a->so, a->rel1, 1);
	if (!es_commit_shown(a->c, a->w->surface,
			es_buffer(a->c, 96, 96, ES_RED))) {
		FAIL("A's first commit never shown");
	}

	es_set_acquire(a->so, a->acq, 2);
	es_set_release(a->so, a->rel2, 1);
	es_attach(a->w->surface, es_buffer(a->c, 96, 96, ES_GREEN));
	es_request_frame(a->w->surface, &a->frame2);
	es_request_feedback(a->c, a->w->surface, &a->feedback2);
	wl_surface_commit(a->w->surface);
	es_roundtrip(a->c);
	return 0;
}

/* Client B presents frames until it has n presented (or the limit). */
static int b_present_frames(struct es_conn *b, struct wtc_toplevel *w, int n) {
	struct wl_buffer *bufs[2] = {
		es_buffer(b, 64, 64, ES_BLUE), es_buffer(b, 64, 64, ES_WHITE),
	};
	int presented = 0;
	for (int i = 0; i < 100 * n && presented < n; i++) {
		struct wtc_feedback fb = {0};
		struct es_frame frame = {0};
		es_attach(w->surface, bufs[i % 2]);
		es_request_feedback(b, w->surface, &fb);
		es_request_frame(w->surface, &frame);
		wl_surface_commit(w->surface);
		if (!es_wait_count(b, &frame.done, 1, ES_WAIT_MS)) {
			break;
		}
		if (!es_wait_feedback(b, &fb, ES_WAIT_MS)) {
			break;
		}
		presented += fb.presented;
	}
	return presented;
}

static int check_still_held(struct held_a *a, const char *when) {
	es_dispatch_pending(a->c);
	es_roundtrip(a->c);
	if (a->frame2.done != 0) {
		FAIL("%s: frame callback of the held commit already done", when);
	}
	if (a->feedback2.presented + a->feedback2.discarded != 0) {
		FAIL("%s: feedback of the held commit already resolved", when);
	}
	if (es_timeline_value(a->rel1) != 0) {
		FAIL("%s: the shown commit was released while its successor is "
			"held", when);
	}
	return 0;
}

int so_hold(void) {
	struct held_a a = {0};
	if (held_a_setup(&a, "hold-A") != 0) {
		return 1;
	}
	if (es_capture_count(ES_RED) == 0) {
		FAIL("A's first buffer is not on screen");
	}

	/* Another client keeps presenting while A is held. */
	struct es_conn *b = es_connect();
	struct wtc_toplevel *bw = es_window_create(b, "hold-B");
	int presented = b_present_frames(b, bw, 5);
	printf("B presented %d frames while A was held\n", presented);
	if (presented < 5) {
		FAIL("B presented only %d frames while A was held", presented);
	}
	if (check_still_held(&a, "after B's frames") != 0) {
		return 1;
	}
	long green = es_capture_count(ES_GREEN);
	printf("green pixels before the signal: %ld\n", green);
	if (green != 0) {
		FAIL("A's new buffer is on screen before its fence signalled");
	}

	es_timeline_signal(a.acq, 2);
	if (!es_wait_count(a.c, &a.frame2.done, 1, ES_WAIT_MS)) {
		FAIL("frame callback of the held commit never came");
	}
	es_wait_feedback(a.c, &a.feedback2, ES_WAIT_MS);
	if (a.feedback2.presented != 1) {
		FAIL("feedback of the held commit: presented %d discarded %d",
			a.feedback2.presented, a.feedback2.discarded);
	}
	if (es_timeline_value(a.rel1) != 1) {
		FAIL("the superseded commit was not released");
	}
	if (es_timeline_value(a.rel2) != 0) {
		FAIL("the commit on screen was released");
	}
	green = es_capture_count(ES_GREEN);
	printf("green pixels after the signal: %ld\n", green);
	if (green == 0) {
		FAIL("A's new buffer not on screen after its fence signalled");
	}
	es_expect_no_error(a.c);
	return es_pass(b);
}

int so_timeline_error(void) {
	/* A timeline put in error counts as signalled: applied, and the
	 * compositor logs it (the Python side checks the log). */
	struct held_a a = {0};
	if (held_a_setup(&a, "error-A") != 0) {
		return 1;
	}
	if (check_still_held(&a, "before the error") != 0) {
		return 1;
	}
	int ret = fw_timeline_set_error(a.acq->timeline, -EIO);
	if (ret < 0) {
		wtc_die("fw_timeline_set_error: %s", strerror(-ret));
	}
	if (!es_wait_count(a.c, &a.frame2.done, 1, ES_WAIT_MS)) {
		FAIL("commit on a failed timeline never applied");
	}
	if (es_timeline_value(a.rel1) != 1) {
		FAIL("the superseded commit was not released");
	}
	return es_pass(a.c);
}

int so_null_attach_behind_held(void) {
	/* A NULL attach queued behind a held commit: the held commit is applied
	 * (unmapped) when it signals, released exactly once, never shown. */
	struct held_a a = {0};
	if (held_a_setup(&a, "null-A") != 0) {
		return 1;
	}
	es_attach(a.w->surface, NULL);
	wl_surface_commit(a.w->surface);
	es_roundtrip(a.c);
	if (es_timeline_value(a.rel1) != 0 || es_timeline_value(a.rel2) != 0) {
		FAIL("released before the held commit was applied");
	}
	if (es_capture_count(ES_GREEN) != 0) {
		FAIL("held buffer shown");
	}
	es_timeline_signal(a.acq, 2);
	/* Both the first and the held commit are superseded once applied. */
	es_wait_timeline(a.c, a.rel2, 1, ES_WAIT_MS);
	if (es_timeline_value(a.rel2) != 1) {
		FAIL("held commit not released after the NULL attach (value %llu)",
			(unsigned long long)es_timeline_value(a.rel2));
	}
	if (es_timeline_value(a.rel1) != 1) {
		FAIL("first commit not released");
	}
	if (es_capture_count(ES_GREEN) != 0) {
		FAIL("held buffer shown although a NULL attach superseded it");
	}
	return es_pass(a.c);
}

int so_hold_then_exit(void) {
	/* Warm-up for the fd-count test: a full hold cycle, then disconnect. */
	struct held_a a = {0};
	if (held_a_setup(&a, "warmup-A") != 0) {
		return 1;
	}
	es_timeline_signal(a.acq, 2);
	if (!es_wait_count(a.c, &a.frame2.done, 1, ES_WAIT_MS)) {
		FAIL("held commit never applied");
	}
	printf("PASS\n");
	return 0;
}

int so_hold_forever(void) {
	/* Held, then wait to be killed (the Python side SIGKILLs us). */
	struct held_a a = {0};
	if (held_a_setup(&a, "forever-A") != 0) {
		return 1;
	}
	/* Some fenced commits queued behind, so there is something to drop. */
	for (uint64_t i = 3; i < 6; i++) {
		es_set_acquire(a.so, a.acq, i);
		es_set_release(a.so, a.rel2, i);
		es_attach(a.w->surface, es_buffer(a.c, 96, 96, ES_BLUE));
		wl_surface_commit(a.w->surface);
	}
	es_roundtrip(a.c);
	printf("HELD\n");
	fflush(stdout);
	for (;;) {
		pause();
	}
}

/* ---- sync-file protocol ---- */

/* Receive one fd over a unix socket. */
static int recv_fd(int sock) {
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	char ctrl[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	if (recvmsg(sock, &msg, 0) <= 0) {
		return -1;
	}
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) {
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

static void send_fd(int sock, int fd) {
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	char ctrl[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	if (sendmsg(sock, &msg, 0) < 0) {
		_exit(3);
	}
}

struct v1_a {
	struct es_conn *c;
	struct wtc_toplevel *w;
	struct zwp_linux_surface_synchronization_v1 *sync;
	struct es_release rel1, rel2;
	struct es_frame frame2;
};

/* A shows red with a signalled soft fence and a release object. */
static int v1_a_setup(struct v1_a *a, const char *title) {
	a->c = es_connect();
	a->w = es_window_create(a->c, title);
	a->sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		a->c->sync_v1, a->w->surface);
	int fence = es_signalled_fence("v1-first");
	zwp_linux_surface_synchronization_v1_set_acquire_fence(a->sync, fence);
	close(fence);
	es_get_release(a->sync, &a->rel1);
	if (!es_commit_shown(a->c, a->w->surface,
			es_buffer(a->c, 96, 96, ES_RED))) {
		FAIL("A's first commit never shown");
	}
	return 0;
}

/* A commits green on the (pending) sync file fence. */
static void v1_a_commit_held(struct v1_a *a, int fence) {
	zwp_linux_surface_synchronization_v1_set_acquire_fence(a->sync, fence);
	es_get_release(a->sync, &a->rel2);
	es_attach(a->w->surface, es_buffer(a->c, 96, 96, ES_GREEN));
	es_request_frame(a->w->surface, &a->frame2);
	wl_surface_commit(a->w->surface);
	es_roundtrip(a->c);
}

int v1_hold_early_release(void) {
	struct v1_a a = {0};
	if (v1_a_setup(&a, "v1-hold-A") != 0) {
		return 1;
	}
	int tl;
	int fence = es_pending_fence(&tl, "v1-held");
	v1_a_commit_held(&a, fence);
	close(fence);

	/* The superseding commit is held and its fence was soft: the release
	 * of the commit on screen came at once, as a fence still pending. */
	if (a.rel1.fenced != 1 || a.rel1.immediate != 0) {
		FAIL("expected one early fenced_release, got fenced %d immediate %d",
			a.rel1.fenced, a.rel1.immediate);
	}
	if (sync_wait(a.rel1.fence_fd, 0) != 0) {
		FAIL("the early release fence signalled while its successor is held");
	}

	struct es_conn *b = es_connect();
	struct wtc_toplevel *bw = es_window_create(b, "v1-hold-B");
	int presented = b_present_frames(b, bw, 5);
	printf("B presented %d frames while A was held\n", presented);
	if (presented < 5) {
		FAIL("B presented only %d frames while A was held", presented);
	}
	es_roundtrip(a.c);
	if (a.frame2.done != 0) {
		FAIL("held commit applied before its fence signalled");
	}
	if (sync_wait(a.rel1.fence_fd, 0) != 0) {
		FAIL("the early release fence signalled while its successor is held");
	}
	if (es_capture_count(ES_GREEN) != 0) {
		FAIL("A's new buffer is on screen before its fence signalled");
	}

	sw_sync_timeline_inc(tl, 1);
	if (!es_wait_count(a.c, &a.frame2.done, 1, ES_WAIT_MS)) {
		FAIL("held commit never applied");
	}
	if (sync_wait(a.rel1.fence_fd, ES_WAIT_MS) <= 0) {
		FAIL("the early release fence did not signal once the successor "
			"was applied");
	}
	if (a.rel1.fenced != 1 || a.rel1.immediate != 0) {
		FAIL("release 1 answered more than once");
	}
	if (a.rel2.fenced + a.rel2.immediate != 0) {
		FAIL("the commit on screen was released");
	}
	if (es_capture_count(ES_GREEN) == 0) {
		FAIL("A's new buffer not on screen after its fence signalled");
	}
	return es_pass(a.c);
}

int v1_producer_killed(void) {
	/* The process that made the acquire fence dies: the soft sync file
	 * signals with an error (-EPIPE), which counts as signalled. */
	struct v1_a a = {0};
	if (v1_a_setup(&a, "v1-killed-A") != 0) {
		return 1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		wtc_die("socketpair: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		wtc_die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		int tl = sw_sync_timeline_create();
		int fence = sw_sync_fence_create(tl, "v1-producer", 1);
		if (tl < 0 || fence < 0) {
			_exit(3);
		}
		send_fd(sv[1], fence);
		for (;;) {
			pause();
		}
	}
	close(sv[1]);
	int fence = recv_fd(sv[0]);
	close(sv[0]);
	if (fence < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		wtc_die("no fence from the producer");
	}
	v1_a_commit_held(&a, fence);
	close(fence);
	if (a.frame2.done != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		FAIL("commit applied while its producer is alive");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (!es_wait_count(a.c, &a.frame2.done, 1, ES_WAIT_MS)) {
		FAIL("commit never applied after its producer died");
	}
	return es_pass(a.c);
}

/* ---- synchronized subsurfaces ---- */

int so_subsurface_hold(void) {
	/* A held commit of a synchronized child also holds the parent commit
	 * that would apply it: the tree appears together. */
	struct es_conn *c = es_connect();
	struct wtc_toplevel *parent = es_window_create(c, "subsurface-parent");
	struct wl_surface *child = wl_compositor_create_surface(c->wl.compositor);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(
		c->wl.subcompositor, child, parent->surface);
	wl_subsurface_set_position(sub, 16, 16);   /* synchronized by default */
	struct wp_linux_drm_syncobj_surface_v1 *so =
		wp_linux_drm_syncobj_manager_v1_get_surface(c->syncobj, child);
	struct es_timeline *acq = es_timeline_new(c, "es-sub-acquire");
	struct es_timeline *rel = es_timeline_new(c, "es-sub-release");

	es_timeline_signal(acq, 1);
	es_set_acquire(so, acq, 1);
	es_set_release(so, rel, 1);
	es_attach(child, es_buffer(c, 32, 32, ES_BLUE));
	wl_surface_commit(child);
	if (!es_commit_shown(c, parent->surface, es_buffer(c, 96, 96, ES_RED))) {
		FAIL("first tree never shown");
	}
	if (es_capture_count(ES_BLUE) == 0 || es_capture_count(ES_RED) == 0) {
		FAIL("first tree not on screen");
	}

	es_set_acquire(so, acq, 2);
	es_set_release(so, rel, 2);
	es_attach(child, es_buffer(c, 32, 32, ES_GREEN));
	wl_surface_commit(child);
	struct es_frame frame2 = {0};
	es_attach(parent->surface, es_buffer(c, 96, 96, ES_WHITE));
	es_request_frame(parent->surface, &frame2);
	wl_surface_commit(parent->surface);
	es_roundtrip(c);
	if (frame2.done != 0) {
		FAIL("parent commit applied while its child's commit is held");
	}
	if (es_capture_count(ES_WHITE) != 0 || es_capture_count(ES_GREEN) != 0) {
		FAIL("part of the new tree shown while the child is held");
	}
	if (es_timeline_value(rel) != 0) {
		FAIL("child's shown commit released early");
	}
	es_timeline_signal(acq, 2);
	if (!es_wait_count(c, &frame2.done, 1, ES_WAIT_MS)) {
		FAIL("parent commit never applied after the child's fence");
	}
	if (es_capture_count(ES_WHITE) == 0 || es_capture_count(ES_GREEN) == 0) {
		FAIL("new tree not on screen after the signal");
	}
	if (es_timeline_value(rel) != 1) {
		FAIL("child's superseded commit not released");
	}
	return es_pass(c);
}

int so_release_on_destroy(void) {
	/* The surface goes while a commit is held: the commit on screen and the
	 * one never shown are both released (once). */
	struct held_a a = {0};
	if (held_a_setup(&a, "destroy-A") != 0) {
		return 1;
	}
	if (es_timeline_value(a.rel1) != 0 || es_timeline_value(a.rel2) != 0) {
		FAIL("released before the surface went");
	}
	xdg_toplevel_destroy(a.w->toplevel);
	xdg_surface_destroy(a.w->xdg_surface);
	wl_surface_destroy(a.w->surface);
	es_roundtrip(a.c);
	if (es_timeline_value(a.rel1) != 1) {
		FAIL("the shown commit was not released with its surface");
	}
	if (es_timeline_value(a.rel2) != 1) {
		FAIL("the held commit (never shown) was not released with its "
			"surface");
	}
	/* The acquire point may still signal later: nothing must happen. */
	es_timeline_signal(a.acq, 2);
	return es_pass(a.c);
}

int v1_hold_forever(void) {
	/* Held on a pending soft sync file of our own, then wait to be killed:
	 * the compositor holds a watch on the file and a release object. */
	struct v1_a a = {0};
	if (v1_a_setup(&a, "v1-forever-A") != 0) {
		return 1;
	}
	int tl;
	int fence = es_pending_fence(&tl, "v1-forever");
	v1_a_commit_held(&a, fence);
	close(fence);
	if (a.frame2.done != 0) {
		FAIL("commit applied before its fence signalled");
	}
	printf("HELD\n");
	fflush(stdout);
	for (;;) {
		pause();
	}
}

/* ---- caps and parent locks ---- */

/* The compositor's cap on commits cached behind a held one (docs). */
#define CAP_CACHED 64

/* Commit once more and roundtrip: false once the compositor disconnected
 * us; then the error must be the implementation error naming the cap. */
static bool commit_survives(struct es_conn *c, struct wl_surface *surface) {
	wl_surface_damage_buffer(surface, 0, 0, 1, 1);
	wl_surface_commit(surface);
	return wl_display_roundtrip(c->wl.display) >= 0;
}

static int check_cap_error(struct es_conn *c, int cached) {
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(c->wl.display, &iface, &id);
	printf("disconnected with %d commits cached (cap %d): %s error %u\n",
		cached, CAP_CACHED, iface != NULL ? iface->name : "no", code);
	if (iface != &wl_display_interface ||
			code != WL_DISPLAY_ERROR_IMPLEMENTATION) {
		FAIL("not the implementation error of the cap");
	}
	if (cached > CAP_CACHED + 1) {
		FAIL("%d commits cached before the disconnect", cached);
	}
	return 0;
}

/*
 * Flood surface with commits carrying nothing, cached behind a lock; a
 * bystander presents one frame every 8 commits.  already: commits cached
 * before the flood.
 */
static int flood(struct es_conn *c, struct wl_surface *surface, int already) {
	struct es_conn *b = es_connect();
	struct wtc_toplevel *bw = es_window_create(b, "flood-bystander");
	int cached = already, presented = 0;
	bool alive = true;
	for (int i = 0; i < 4 * CAP_CACHED && alive; i++) {
		alive = commit_survives(c, surface);
		cached += alive ? 1 : 0;
		if (i % 8 == 0) {
			presented += b_present_frames(b, bw, 1);
		}
	}
	printf("bystander presented %d frames during the flood\n", presented);
	if (alive) {
		FAIL("%d commits cached and still connected", cached);
	}
	if (presented < 5) {
		FAIL("the bystander presented only %d frames", presented);
	}
	/* The one refused counts: it was the one past the cap. */
	if (check_cap_error(c, cached + 1) != 0) {
		return 1;
	}
	return es_pass(b);
}

int so_flood_no_attach(void) {
	/* Commits without an attach, cached behind a held commit. */
	struct held_a a = {0};
	if (held_a_setup(&a, "flood-A") != 0) {
		return 1;
	}
	return flood(a.c, a.w->surface, 1);
}

/* A parent whose synchronized child has a held commit. */
struct held_child {
	struct es_conn *c;
	struct wtc_toplevel *parent;
	struct wl_subsurface *sub;
	struct wl_surface *child;
};

static int held_child_setup(struct held_child *h, const char *title) {
	h->c = es_connect();
	h->parent = es_window_create(h->c, title);
	h->child = wl_compositor_create_surface(h->c->wl.compositor);
	h->sub = wl_subcompositor_get_subsurface(h->c->wl.subcompositor,
		h->child, h->parent->surface);
	struct wp_linux_drm_syncobj_surface_v1 *so =
		wp_linux_drm_syncobj_manager_v1_get_surface(h->c->syncobj, h->child);
	struct es_timeline *acq = es_timeline_new(h->c, "child-acquire");
	struct es_timeline *rel = es_timeline_new(h->c, "child-release");
	if (!es_commit_shown(h->c, h->parent->surface,
			es_buffer(h->c, 96, 96, ES_RED))) {
		FAIL("parent never shown");
	}
	/* Point 1 never signals: the child's commit is held for good. */
	es_set_acquire(so, acq, 1);
	es_set_release(so, rel, 1);
	es_attach(h->child, es_buffer(h->c, 32, 32, ES_BLUE));
	wl_surface_commit(h->child);
	es_roundtrip(h->c);
	return 0;
}

int so_flood_held_child_parent(void) {
	/* A plain parent behind its held synchronized child. */
	struct held_child h;
	if (held_child_setup(&h, "flood-parent") != 0) {
		return 1;
	}
	return flood(h.c, h.parent->surface, 0);
}

/* The parent's next commit waits for the held child until end() cuts the
 * child loose; then it is applied (its frame callback comes). */
static int parent_released(const char *title,
		void (*end)(struct held_child *h)) {
	struct held_child h;
	if (held_child_setup(&h, title) != 0) {
		return 1;
	}
	struct es_frame frame = {0};
	es_attach(h.parent->surface, es_buffer(h.c, 96, 96, ES_WHITE));
	es_request_frame(h.parent->surface, &frame);
	wl_surface_commit(h.parent->surface);
	es_roundtrip(h.c);
	struct es_conn *b = es_connect();
	int presented = b_present_frames(b, es_window_create(b, "witness"), 3);
	es_dispatch_pending(h.c);
	if (presented < 3 || frame.done != 0) {
		FAIL("parent applied while its child is held (%d frames seen)",
			presented);
	}
	end(&h);
	if (!es_wait_count(h.c, &frame.done, 1, ES_WAIT_MS)) {
		FAIL("parent still held after its child was cut loose");
	}
	if (es_capture_count(ES_WHITE) == 0) {
		FAIL("parent's new buffer not on screen");
	}
	return es_pass(h.c);
}

static void end_desync(struct held_child *h) {
	wl_subsurface_set_desync(h->sub);
}

static void end_destroy(struct held_child *h) {
	wl_subsurface_destroy(h->sub);
}

int so_parent_released_desync(void) {
	return parent_released("desync-parent", end_desync);
}

int so_parent_released_destroy(void) {
	return parent_released("destroy-parent", end_destroy);
}
