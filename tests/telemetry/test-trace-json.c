/*
 * test-trace-json.c - writes traces with compositor/trace_json for
 * check_trace_json.py to read back:
 *   test-trace-json full FILE   every kind of event, closed properly
 *   test-trace-json cut FILE    the same events, then SIGKILL before the end
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
