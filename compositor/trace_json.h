/*
 * Chrome trace-event JSON, written as it happens (no Wayland, no wlroots).
 *
 * The file is the array form: "[" and then one event per line, each line
 * complete and followed by a comma.  Lines reach the file whole (each is
 * formatted first and written with the lines before it), so a file cut
 * short by a crash or SIGKILL still opens in Perfetto UI and
 * chrome://tracing, which accept the missing "]"; a strict JSON reader
 * reads it after dropping the last comma and appending "]".  A closed file
 * ends with a global "trace end" instant and "]", strict JSON as it is.
 *
 * Times are CLOCK_MONOTONIC nanoseconds (the clock of kernel fence
 * timestamps and DRM events), written as microseconds with three decimals,
 * the unit the format wants.
 *
 * Strings: process and track names and argument string values may come
 * from clients and are escaped; bytes outside printable ASCII become '?',
 * so a client's command name cannot break the file.  Categories, event
 * names, counter series and argument keys are on every line and are
 * written as they are: they must be the caller's fixed text (string
 * literals), printable ASCII without '"' or '\\'.
 *
 * Lines are buffered until trace_json_flush() (the caller decides how
 * often) or until the buffer fills; trace_json_destroy() flushes.  Single-threaded:
 * one writer per trace_json, from one thread at a time.
 */
#ifndef FENCEWAY_TRACE_JSON_H
#define FENCEWAY_TRACE_JSON_H

#include <stdbool.h>
#include <stdint.h>

struct trace_json;

/* An argument of an event: a string when str is not NULL, else num. */
struct trace_json_arg {
	const char *key;
	const char *str;
	int64_t num;
};

/*
 * Start a trace on @fd, which the trace_json owns from then on (closed by
 * trace_json_destroy(), also on failure here).  NULL with errno on error.
 */
struct trace_json *trace_json_create(int fd);
/* Flush, end the array, close the fd.  NULL is a no-op. */
void trace_json_destroy(struct trace_json *tj, int64_t end_ns);
/* Write out the buffered lines; false (errno set) if the write failed. */
bool trace_json_flush(struct trace_json *tj);

/* A process (a client): its name ("command (pid)") and its place. */
void trace_json_process(struct trace_json *tj, int pid, const char *name,
	int sort_index);
/* A named track (thread) of a process, e.g. one per surface, and its order. */
void trace_json_track(struct trace_json *tj, int pid, int tid, const char *name,
	int sort_index);

/*
 * An async span: begin ("b") and end ("e") with the same @cat, @name and
 * @id (Perfetto draws each (pid, cat, name, id) on its own row, so spans of
 * one surface may overlap).  @args (may be NULL) has @nargs entries.
 */
void trace_json_span_begin(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs);
void trace_json_span_end(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs);

/* An instant on a track ("i", thread scope). */
void trace_json_instant(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs);

/*
 * A flow arrow: start ("s") at one point, finish ("f", bound to the
 * enclosing slice) at another; one @id per arrow, same @cat and @name.
 */
void trace_json_flow_start(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns);
void trace_json_flow_end(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns);

/* A counter ("C"): series @series of counter @name takes @value. */
void trace_json_counter(struct trace_json *tj, int pid, const char *name,
	const char *series, int64_t value, int64_t ts_ns);

#endif
