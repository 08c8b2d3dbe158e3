/*
 * --trace FILE: every commit's life as a Chrome trace-event JSON file
 * (docs/telemetry.md, "The trace file"), written by trace_json.c.
 *
 * A commit tracker subscriber: a process per client, a track per surface,
 * and per commit an instant when it arrives plus, for a commit that
 * attaches a buffer, async spans "waiting for acquire" (held to applied),
 * "applied" (to presented or discarded), "on screen" (presented to
 * superseded) and "release pending" (superseded to retired).
 */
#ifndef FENCEWAY_TELEMETRY_H
#define FENCEWAY_TELEMETRY_H

struct fw_clients;
struct fw_commit_tracker;
struct fw_telemetry;

/*
 * Start a trace written to @fd (open for writing, owned by the telemetry
 * from this call on, closed also on failure) and subscribe to @tracker;
 * @tracker and @clients (where a client's pid and command come from) are
 * borrowed and must outlive the telemetry.  NULL on failure (logged).  The
 * telemetry is the caller's.
 */
struct fw_telemetry *fw_telemetry_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, int fd);
/* Unsubscribe, end the open spans, close the file as strict JSON.  NULL is
 * a no-op. */
void fw_telemetry_destroy(struct fw_telemetry *telemetry);
/* Write out what was recorded (once per output frame).  NULL is a no-op. */
void fw_telemetry_flush(struct fw_telemetry *telemetry);

#endif
