/*
 * --trace-marker: lines for ftrace's trace_marker, so that trace-cmd and
 * KernelShark show fenceway's spans beside the kernel's dma_fence events
 * (docs/telemetry.md, "Marker mode").
 *
 * A span is two lines in GPUVis's format: "LABEL begin_gctx=N" and
 * "LABEL end_gctx=N", N unique among the spans open at the same time
 * (GPUVis pairs them by N alone, across processes and threads).  Each line
 * is one write(2): the kernel turns each write into one print event.
 */
#ifndef FENCEWAY_TRACE_MARKER_H
#define FENCEWAY_TRACE_MARKER_H

#include <stdint.h>

/*
 * Open /sys/kernel/tracing/trace_marker, else the one under debugfs.  The
 * fd is the caller's (close it); -1 when neither opens for writing, said
 * in one log line.
 */
int fw_trace_marker_open(void);

/* One span's begin or end line on @fd; a failed write is dropped. */
void fw_trace_marker_begin(int fd, uint64_t id, const char *label);
void fw_trace_marker_end(int fd, uint64_t id, const char *label);
/* A line without a span (a signal, a present). */
void fw_trace_marker_print(int fd, const char *label);

#endif
