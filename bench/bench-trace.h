/*
 * bench-trace.h - the cost of the fence core's trace points
 * (fenceway/trace.h), a section of docs/bench-sync.md.
 */
#ifndef FENCEWAY_BENCH_TRACE_H
#define FENCEWAY_BENCH_TRACE_H

#include <stdio.h>

/* Measure (a few seconds), then write the section to @f. */
void bench_trace_section(FILE *f);

#endif
