/*
 * Stall reports, per client (docs/telemetry.md, "Stall reports").
 *
 * A commit tracker subscriber that keeps, for every client, its held
 * commits in the order they were held and a summary of its life: commits,
 * held time (p50/p99 from a histogram), stalls, fence errors.
 *
 * A client stalls when its oldest held commit has been held for the
 * threshold.  Then one line (through the client's log limiter, client.h)
 * names the client, the surface (app_id, title), what the commit waits for
 * with its current value, its age and how many other commits of the client
 * are held; the line repeats after 1, 2, 4 ... 60, 60 ... seconds while
 * anything of the client stays held.  One line says when the stall ends,
 * or that the client left in it (with its held commits); every client's
 * summary is logged when it leaves (at exit, the server disconnects every
 * client).  While a trace runs, the start, each repeat, the end and the
 * leave are also instants in it (docs/telemetry.md, "The trace file").
 */
#ifndef FENCEWAY_STALLS_H
#define FENCEWAY_STALLS_H

#include <stdio.h>

struct fw_clients;
struct fw_commit_tracker;
struct fw_stalls;
struct fw_telemetry;
struct wl_event_loop;

/* Used when the configured threshold is 0. */
#define FW_STALLS_DEFAULT_THRESHOLD_MS 1000
/* The back-off between the lines of one stall stops growing here. */
#define FW_STALLS_MAX_REPEAT_S 60

/*
 * Subscribe to @tracker.  @tracker, @clients (pid and command, and the log
 * limiter) and @loop (its timers) are borrowed and must outlive the
 * result, which is the caller's: fw_stalls_destroy() it after every client
 * has gone.  @telemetry is where the caller keeps its telemetry, NULL
 * while no trace runs: the slot is borrowed and must outlive the result,
 * and is read (never written) at each stall line, so a trace started or
 * stopped at runtime needs no call here; the telemetry stays the
 * caller's.  @threshold_ms 0 means FW_STALLS_DEFAULT_THRESHOLD_MS.  NULL
 * on failure (logged).
 */
struct fw_stalls *fw_stalls_create(struct fw_commit_tracker *tracker,
	struct fw_clients *clients, struct wl_event_loop *loop,
	struct fw_telemetry *const *telemetry, int threshold_ms);
/* Unsubscribe and free.  NULL is a no-op. */
void fw_stalls_destroy(struct fw_stalls *stalls);

/*
 * The status table (docs/telemetry.md, "Reading fenceway-ctl status"):
 * per client its summary, per surface its held commits with their age and
 * what each waits for, and the buffers whose release is still pending.
 * @out is borrowed.
 */
void fw_stalls_write_status(struct fw_stalls *stalls, FILE *out);
/* One line per client stalled right now; "no stalls" when none. */
void fw_stalls_write_stalls(struct fw_stalls *stalls, FILE *out);

#endif
