/*
 * clients/common/errors.c - protocol error capture.
 */
#include "errors.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <wayland-client.h>

#include "stats.h"

/* Only the main thread dispatches Wayland events, so only it logs here. */
static char last_log[512];

static void log_handler(const char *fmt, va_list args)
{
	va_list copy;
	va_copy(copy, args);
	vsnprintf(last_log, sizeof(last_log), fmt, copy);
	va_end(copy);
	fputs(last_log, stderr);
	/* Keep it one line: the summary is line oriented. */
	last_log[strcspn(last_log, "\n")] = '\0';
}

void fwd_errors_install_log_handler(void)
{
	wl_log_set_handler_client(log_handler);
}

void fwd_errors_report(struct wl_display *display, FILE *out,
		       struct fwd_stats *stats)
{
	int err = wl_display_get_error(display);
	if (!err)
		return;
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code =
			wl_display_get_protocol_error(display, &iface, &id);
		fprintf(out,
			"protocol-error: interface=%s id=%u code=%u message=%s\n",
			iface ? iface->name : "unknown", id, code, last_log);
		fflush(out);
		stats->protocol_errors++;
		return;
	}
	fprintf(out, "connection-error: errno=%d (%s)\n", err, strerror(err));
	fflush(out);
	stats->other_errors++;
}
