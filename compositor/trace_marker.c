/*
 * ftrace trace_marker lines in GPUVis's begin_gctx=/end_gctx= format
 * (trace_marker.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "trace_marker.h"

/* tracefs where it is mounted on its own, else inside debugfs. */
static const char *const marker_paths[] = {
	"/sys/kernel/tracing/trace_marker",
	"/sys/kernel/debug/tracing/trace_marker",
};

int fw_trace_marker_open(void) {
	int err = ENOENT;
	for (size_t i = 0; i < sizeof(marker_paths) / sizeof(marker_paths[0]);
		 i++) {
		int fd = open(marker_paths[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			wlr_log(WLR_INFO, "--trace-marker: writing spans to %s",
				marker_paths[i]);
			return fd;
		}
		/* Report the more telling failure: permission over absence. */
		if (errno != ENOENT || err == ENOENT) {
			err = errno;
		}
	}
	wlr_log(WLR_ERROR,
		"--trace-marker: neither %s nor %s can be written (%s); no marker "
		"lines",
		marker_paths[0], marker_paths[1], strerror(err));
	return -1;
}

static void write_line(int fd, const char *line, int len) {
	if (len <= 0) {
		return;
	}
	/* The kernel cuts long writes itself; a marker line is never needed
	 * whole enough to retry. */
	ssize_t n = write(fd, line, (size_t)len);
	(void)n;
}

static void marker(int fd, const char *label, const char *var, uint64_t id) {
	char line[256];
	int len =
		snprintf(line, sizeof(line), "%s %s=%" PRIu64 "\n", label, var, id);
	if (len >= (int)sizeof(line)) {
		/* Keep the variable whole: it pairs the lines. */
		char cut[160];
		snprintf(cut, sizeof(cut), "%s", label);
		len = snprintf(line, sizeof(line), "%s %s=%" PRIu64 "\n", cut, var, id);
	}
	write_line(fd, line, len);
}

void fw_trace_marker_begin(int fd, uint64_t id, const char *label) {
	marker(fd, label, "begin_gctx", id);
}

void fw_trace_marker_end(int fd, uint64_t id, const char *label) {
	marker(fd, label, "end_gctx", id);
}

void fw_trace_marker_print(int fd, const char *label) {
	char line[256];
	int len = snprintf(line, sizeof(line), "%s\n", label);
	if (len >= (int)sizeof(line)) {
		len = sizeof(line) - 1;
	}
	write_line(fd, line, len);
}
