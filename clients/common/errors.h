/*
 * clients/common/errors.h - reporting Wayland protocol errors in the
 * summary.
 *
 * libwayland prints a protocol error ("wl_surface@3: error 2: ...") through
 * its log handler; we keep the last such line so the summary can repeat it
 * as one parseable "protocol-error:" line next to the counters, which is
 * what the explicit-sync tests match on.
 */
#ifndef FWD_ERRORS_H
#define FWD_ERRORS_H

#include <stdio.h>

struct fwd_stats;
struct wl_display;

/* Route libwayland's client log through us (still echoed to stderr). */
void fwd_errors_install_log_handler(void);

/*
 * If @display has an error, print
 *   protocol-error: interface=NAME id=N code=N message=TEXT
 * (or "connection-error: errno=N (TEXT)" for a lost connection) to @out and
 * count it in @stats (protocol_errors or other_errors).
 */
void fwd_errors_report(struct wl_display *display, FILE *out,
		       struct fwd_stats *stats);

#endif
