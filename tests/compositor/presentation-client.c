/*
 * Test client: asks for wp_presentation feedback on every commit and
 * counts what comes back per feedback object.
 *
 *   fw-test-presentation-client burst N
 *       one toplevel; N commits back to back (new buffer content each),
 *       each with its own feedback, without waiting for frame callbacks.
 *   fw-test-presentation-client subsurface
 *       a toplevel with a synchronized subsurface: the subsurface commits
 *       twice (feedback A, then B) while its state is cached, then the
 *       parent commits (feedback P), which applies both cached commits.
 *       A's content is replaced before it can be shown: A must be
 *       discarded, B and P presented -- each exactly once.
 *   fw-test-presentation-client fullscreen N
 *       asks for fullscreen, then commits N frames of the configured size
 *       (solid 0x3366cc and 0xcc6633, alternating; the last one is
 *       0x3366cc), each after the previous frame callback, with feedback;
 *       prints the size and how many wl_buffer.release events came.
 *
 * Prints one line per feedback, "feedback I: presented|discarded|...",
 * then "summary: feedbacks=N presented=P discarded=D multiple=M
 * missing=X sync_output=S".  Exit 0 when every feedback resolved, 1 if
 * some never did within the wait, 2 on setup errors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "wl-test-client.h"

#define WIDTH 64
#define HEIGHT 64
#define MAX_FEEDBACKS 1024

struct client {
	struct wtc_conn conn;
	/* Everything this client made, destroyed before disconnecting (the
	 * client runs under LeakSanitizer in the sanitizer lane too). */
	struct wl_buffer *buffers[8];
	int nbuffers;
	struct wtc_toplevel tl;
	bool have_toplevel;
	struct wl_surface *child;
	struct wl_subsurface *subsurface;
	int releases;
	struct wtc_feedback feedbacks[MAX_FEEDBACKS];
	int nfeedbacks;
};

/* ---- buffers: one per distinct colour, releases counted ---- */

static struct wl_buffer *make_buffer_sized(struct client *c, uint32_t colour,
		int32_t width, int32_t height) {
	struct wl_buffer *buffer = wtc_shm_buffer(&c->conn, width, height,
		colour);
	wtc_count_releases(buffer, &c->releases);
	if (c->nbuffers < 8) {
		c->buffers[c->nbuffers++] = buffer;
	}
	return buffer;
}

static struct wl_buffer *make_buffer(struct client *c, uint32_t colour) {
	return make_buffer_sized(c, colour, WIDTH, HEIGHT);
}

/* ---- feedback ---- */

static struct wtc_feedback *request_feedback(struct client *c,
		struct wl_surface *surface) {
	if (c->nfeedbacks >= MAX_FEEDBACKS) {
		wtc_die("too many feedbacks");
	}
	struct wtc_feedback *fb = &c->feedbacks[c->nfeedbacks++];
	wtc_request_feedback(&c->conn, surface, fb);
	return fb;
}

static bool all_resolved(struct client *c) {
	for (int i = 0; i < c->nfeedbacks; i++) {
		if (c->feedbacks[i].presented + c->feedbacks[i].discarded == 0) {
			return false;
		}
	}
	return true;
}

/* Dispatch until every feedback has an answer, or a generous number of
 * round trips passed (a bound on waiting, not a timing assertion). */
static void wait_resolved(struct client *c) {
	for (int i = 0; i < 2000 && !all_resolved(c); i++) {
		if (wl_display_roundtrip(c->conn.display) < 0) {
			wtc_die("connection lost");
		}
		if (!all_resolved(c)) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 5000000 };
			nanosleep(&ts, NULL);
		}
	}
}

static struct wl_surface *make_toplevel(struct client *c, bool fullscreen) {
	wtc_toplevel_init(&c->tl, &c->conn, "fw-test-presentation-client");
	c->have_toplevel = true;
	if (fullscreen) {
		xdg_toplevel_set_fullscreen(c->tl.toplevel, NULL);
	}
	wtc_toplevel_configure(&c->tl);
	return c->tl.surface;
}

static int run_burst(struct client *c, int n) {
	struct wl_surface *surface = make_toplevel(c, false);
	struct wl_buffer *buffers[2] = {
		make_buffer(c, 0xff2040c0), make_buffer(c, 0xffc04020),
	};
	for (int i = 0; i < n; i++) {
		request_feedback(c, surface);
		wl_surface_attach(surface, buffers[i % 2], 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, WIDTH, HEIGHT);
		wl_surface_commit(surface);
		/* Let some frames happen in between, but never wait for one:
		 * every few commits, one round trip. */
		if (i % 8 == 7 && wl_display_roundtrip(c->conn.display) < 0) {
			wtc_die("connection lost");
		}
	}
	wl_display_flush(c->conn.display);
	wait_resolved(c);
	return 0;
}

static int run_subsurface(struct client *c) {
	struct wl_surface *parent = make_toplevel(c, false);
	struct wl_buffer *parent_buf = make_buffer(c, 0xff404040);
	struct wl_buffer *buf_a = make_buffer(c, 0xffff0000);
	struct wl_buffer *buf_b = make_buffer(c, 0xff00ff00);

	/* Map the parent first and let it be shown. */
	wl_surface_attach(parent, parent_buf, 0, 0);
	wl_surface_damage_buffer(parent, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(parent);
	wl_display_roundtrip(c->conn.display);

	struct wl_surface *child = wl_compositor_create_surface(c->conn.compositor);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(
		c->conn.subcompositor, child, parent);
	c->child = child;
	c->subsurface = sub;
	wl_subsurface_set_sync(sub);
	wl_subsurface_set_position(sub, 8, 8);

	/* Two child commits, both cached until the parent commits. */
	request_feedback(c, child);          /* A */
	wl_surface_attach(child, buf_a, 0, 0);
	wl_surface_damage_buffer(child, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(child);
	request_feedback(c, child);          /* B */
	wl_surface_attach(child, buf_b, 0, 0);
	wl_surface_damage_buffer(child, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(child);
	wl_display_roundtrip(c->conn.display);
	/* Nothing of A or B can have been presented yet: still cached. */
	int early = c->feedbacks[0].presented + c->feedbacks[1].presented;

	request_feedback(c, parent);         /* P */
	wl_surface_damage_buffer(parent, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(parent);
	wl_display_flush(c->conn.display);
	wait_resolved(c);
	printf("early_presented=%d\n", early);
	return 0;
}

static int run_fullscreen(struct client *c, int n) {
	struct wl_surface *surface = make_toplevel(c, true);
	/* Map with a small buffer; fenceway applies fullscreen at map and
	 * sends a configure with the output's size. */
	wl_surface_attach(surface, make_buffer(c, 0xff808080), 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(surface);
	for (int i = 0; i < 1000 && c->tl.width == 0; i++) {
		if (wl_display_roundtrip(c->conn.display) < 0) {
			wtc_die("connection lost");
		}
	}
	if (c->tl.width <= 0 || c->tl.height <= 0) {
		wtc_die("never configured with a size");
	}
	int32_t w = c->tl.width, h = c->tl.height;
	struct wl_buffer *bufs[2] = {
		make_buffer_sized(c, 0xffcc6633, w, h),
		make_buffer_sized(c, 0xff3366cc, w, h),
	};
	c->releases = 0;
	for (int i = 0; i < n; i++) {
		/* Even count: the last frame is bufs[1]. */
		struct wl_buffer *b = bufs[(n - i) % 2 == 0 ? 0 : 1];
		request_feedback(c, surface);
		int frame_done = 0;
		wtc_request_frame(surface, &frame_done);
		wl_surface_attach(surface, b, 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, w, h);
		wl_surface_commit(surface);
		while (!frame_done) {
			if (wl_display_dispatch(c->conn.display) < 0) {
				wtc_die("connection lost");
			}
		}
	}
	wait_resolved(c);
	printf("fullscreen %dx%d frames=%d releases=%d\n", w, h, n, c->releases);
	fflush(stdout);
	return 0;
}

static void destroy_all(struct client *c) {
	for (int i = 0; i < c->nfeedbacks; i++) {
		if (c->feedbacks[i].obj != NULL) {
			wp_presentation_feedback_destroy(c->feedbacks[i].obj);
		}
	}
	if (c->subsurface) {
		wl_subsurface_destroy(c->subsurface);
	}
	if (c->child) {
		wl_surface_destroy(c->child);
	}
	if (c->have_toplevel) {
		wtc_toplevel_finish(&c->tl);
	}
	for (int i = 0; i < c->nbuffers; i++) {
		wl_buffer_destroy(c->buffers[i]);
	}
	wtc_disconnect(&c->conn);
}

/* Print one line per feedback and the summary; returns how many never
 * got an answer. */
static int report(struct client *c) {
	int presented = 0, discarded = 0, multiple = 0, missing = 0, syncs = 0;
	for (int i = 0; i < c->nfeedbacks; i++) {
		struct wtc_feedback *fb = &c->feedbacks[i];
		int events = fb->presented + fb->discarded;
		printf("feedback %d: %s\n", i,
			events == 0 ? "none" :
			events > 1 ? "multiple" :
			fb->presented ? "presented" : "discarded");
		presented += fb->presented;
		discarded += fb->discarded;
		multiple += events > 1;
		missing += events == 0;
		syncs += fb->sync_outputs;
	}
	printf("summary: feedbacks=%d presented=%d discarded=%d multiple=%d "
		"missing=%d sync_output=%d\n", c->nfeedbacks, presented, discarded,
		multiple, missing, syncs);
	fflush(stdout);
	return missing;
}

int main(int argc, char *argv[]) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s burst N | subsurface | fullscreen N "
			"[hold]\n", argv[0]);
		return 2;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wtc_die("oom");
	}
	wtc_connect(&c->conn);
	if (c->conn.subcompositor == NULL || c->conn.presentation == NULL) {
		wtc_die("missing globals");
	}
	printf("clock_id=%u\n", c->conn.have_clock ? c->conn.clock_id : 9999u);

	if (strcmp(argv[1], "burst") == 0 && argc == 3) {
		int n = atoi(argv[2]);
		if (n <= 0 || n > MAX_FEEDBACKS) {
			wtc_die("bad N");
		}
		run_burst(c, n);
	} else if (strcmp(argv[1], "subsurface") == 0) {
		run_subsurface(c);
	} else if (strcmp(argv[1], "fullscreen") == 0 && argc >= 3) {
		run_fullscreen(c, atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
		if (argc == 4) {
			report(c);
			/* Stay mapped (the test captures the screen meanwhile) until
			 * the compositor goes away or we are told to stop. */
			printf("holding\n");
			fflush(stdout);
			while (wl_display_dispatch(c->conn.display) >= 0) {
			}
			destroy_all(c);
			free(c);
			return 0;
		}
	} else {
		wtc_die("unknown mode");
	}

	int missing = report(c);
	fflush(stdout);
	destroy_all(c);
	free(c);
	return missing == 0 ? 0 : 1;
}
