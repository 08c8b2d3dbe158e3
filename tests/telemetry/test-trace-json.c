/*
 * test-trace-json.c - writes traces with compositor/trace_json for
 * check_trace_json.py to read back:
 *   test-trace-json full FILE   every kind of event, closed properly
 *   test-trace-json cut FILE    the same events, then SIGKILL before the end
 *   test-trace-json plot FILE   a synthetic session for fenceway-trace-plot:
 *                               two clients, three surfaces, one stall
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace_json.h"

/* Nanoseconds chosen so every conversion to microseconds is checkable. */
#define T0 1000000123456LL

static void write_events(struct trace_json *tj)
{
	struct trace_json_arg commit[] = {
		{ .key = "point", .num = 42 },
		{ .key = "timeline", .str = "tl \"quoted\"\n\\" },
	};

	trace_json_process(tj, 1234, "demo \xff (1234)", 1);
	trace_json_track(tj, 1234, 1, "surface 1 \"main\"", 1);
	trace_json_track(tj, 1234, 2, "surface 2", 2);
	trace_json_span_begin(tj, 1234, 1, "commit", "waiting for acquire", 7,
		T0, commit, 2);
	trace_json_instant(tj, 1234, 1, "fence", "acquire signalled", T0 + 500,
		NULL, 0);
	trace_json_flow_start(tj, 1234, 1, "frame", "acquire->present", 7,
		T0 + 500);
	trace_json_span_end(tj, 1234, 1, "commit", "waiting for acquire", 7,
		T0 + 1000, NULL, 0);
	trace_json_flush(tj);
	trace_json_span_begin(tj, 1234, 2, "commit", "on screen", 8, T0 + 2000,
		NULL, 0);
	trace_json_flow_end(tj, 1234, 2, "frame", "acquire->present", 7,
		T0 + 2000);
	trace_json_counter(tj, 1234, "held commits", "held", 3, T0 + 2500);
	trace_json_flush(tj);
}

/* Frames of 16.7 ms on three surfaces; surface 3 stalls from frame 4. */
static void write_session(struct trace_json *tj)
{
	static const char *const phases[] = {
		"waiting for acquire", "applied", "on screen", "release pending",
	};
	const int64_t frame = 16666667;
	uint64_t id = 1;

	trace_json_process(tj, 100, "fenceway (100)", 0);
	trace_json_process(tj, 200, "demo (200)", 1);
	trace_json_process(tj, 300, "es-client (300)", 2);
	trace_json_track(tj, 200, 1, "surface 1", 1);
	trace_json_track(tj, 200, 2, "surface 2", 2);
	trace_json_track(tj, 300, 1, "surface 3", 1);
	for (int f = 0; f < 10; f++) {
		int64_t t = T0 + f * frame;

		trace_json_instant(tj, 100, 0, "output", "present", t + frame / 2,
			NULL, 0);
		for (int s = 0; s < 3; s++) {
			int pid = s < 2 ? 200 : 300, tid = s < 2 ? s + 1 : 1;
			int64_t a = t + s * 1000000;

			if (s == 2 && f == 4) {
				trace_json_span_begin(tj, pid, tid, "commit",
					phases[0], id, a, NULL, 0);
				trace_json_instant(tj, pid, tid, "stall",
					"stall", a + 5 * frame, NULL, 0);
				id++;
				continue;
			}
			if (s == 2 && f > 4)
				continue;
			for (int p = 0; p < 4; p++) {
				int64_t b = a + (p + 1) * frame / 5;

				trace_json_span_begin(tj, pid, tid, "commit",
					phases[p], id, a, NULL, 0);
				if (p == 0)
					trace_json_instant(tj, pid, tid, "fence",
						"acquire signalled", b, NULL, 0);
				trace_json_span_end(tj, pid, tid, "commit",
					phases[p], id, b, NULL, 0);
				a = b;
			}
			id++;
		}
		trace_json_flush(tj);
	}
}

int main(int argc, char **argv)
{
	struct trace_json *tj;
	int fd;

	if (argc != 3)
		return 2;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	tj = fd >= 0 ? trace_json_create(fd) : NULL;
	if (!tj) {
		perror(argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "plot") == 0) {
		write_session(tj);
		trace_json_destroy(tj, T0 + 200000000);
		return 0;
	}
	write_events(tj);
	if (strcmp(argv[1], "cut") == 0) {
		/* A line buffered but not flushed must not appear at all. */
		trace_json_instant(tj, 1234, 2, "fence", "lost", T0 + 3000,
			NULL, 0);
		kill(getpid(), SIGKILL);
	}
	trace_json_destroy(tj, T0 + 9000);
	return 0;
}
