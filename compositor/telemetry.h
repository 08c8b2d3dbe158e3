/*
 * --trace FILE and --trace-marker: every commit's life as a Chrome
 * trace-event JSON file (docs/telemetry.md, "The trace file"), written by
 * trace_json.c, and its spans mirrored to ftrace's trace_marker
 * (trace_marker.c).
 *
 * A commit tracker subscriber: a process per client, a track per surface,
 * and per commit an instant when it arrives plus, for a commit that
 * attaches a buffer, async spans "waiting for acquire" (held to applied),
 * "applied" (to presented or discarded), "on screen" (presented to
 * superseded) and "release pending" (superseded to retired); instants for
 * the acquire signal (with the producer's time where the fence knows it),
 * fence errors and the release (naming how); flows from the acquire signal
 * to the output's present to the release; counters of held commits and
 * pending releases; output presents on a track per output.
 *
 * What the hooks do not say -- which fence a held commit waits for, how
 * its buffer is released -- comes from libfenceway-sync's trace
 * (<fenceway/trace.h>, on while the telemetry lives) and from observers on
 * the protocol watch (the client's set_release_point, get_release and
 * attach requests; the release events sent to it).
 */
#ifndef FENCEWAY_TELEMETRY_H
#define FENCEWAY_TELEMETRY_H

#include <stdbool.h>
#include "trace_json.h"

struct fw_clients;
struct fw_commit_tracker;
struct fw_protocol_watch;
struct fw_telemetry;
struct wl_client;
struct wlr_surface;

/*
 * Start tracing: a trace written to @fd when @fd >= 0 (open for writing,
 * owned by the telemetry from this call on, closed also on failure), spans
 * mirrored to ftrace's trace_marker when @marker (one log line and no
 * marker lines when it cannot be written).  Subscribes to @tracker and
 * adds observers to @watch (removed by fw_telemetry_destroy()); @tracker,
 * @clients (where a client's pid and command come from) and @watch are
 * borrowed and must outlive the telemetry.  NULL on failure (logged).  The telemetry is the
 * caller's.
 */
struct fw_telemetry *fw_telemetry_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, struct fw_protocol_watch *watch, int fd,
	bool marker);
/* Unsubscribe, end the open spans, close the file as strict JSON.  NULL is
 * a no-op. */
void fw_telemetry_destroy(struct fw_telemetry *telemetry);
/* Call once per output frame: writes out what was recorded when the last
 * write is 100 ms old.  NULL is a no-op. */
void fw_telemetry_flush(struct fw_telemetry *telemetry);

/*
 * An instant of category @cat named @name on @client's track for
 * @surface (its process's own track when @surface is NULL), at the time of
 * the call, e.g. a stall report.  @args (borrowed, may be NULL) has @nargs
 * entries.  NULL @telemetry is a no-op.
 */
void fw_telemetry_client_instant(struct fw_telemetry *telemetry,
	struct wl_client *client, struct wlr_surface *surface, const char *cat,
	const char *name, const struct trace_json_arg *args, int nargs);

#endif
