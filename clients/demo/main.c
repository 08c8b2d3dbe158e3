/*
 * clients/demo/main.c - fenceway-demo: an shm client with explicit sync.
 *
 * Exit status: 0 when every frame was accounted for without errors (or the
 * demo was interrupted without errors); 1 on errors (the summary says
 * which, a protocol error on its own "protocol-error:" line); 2 on a usage
 * error; 3 for --misbehave die-mid-frame.
 */
#include <stdio.h>
#include <string.h>

#include "../common/errors.h"
#include "../common/options.h"
#include "../common/signals.h"
#include "app.h"

int main(int argc, char **argv)
{
	static struct demo_app app; /* zeroed; big, so not on the stack */
	struct fwd_options *o = &app.opts;

	/* Before any thread exists (see signals.h). */
	if (fwd_signals_block() < 0)
		return 1;
	fwd_errors_install_log_handler();

	*o = (struct fwd_options){
		.protocol = FWD_PROTOCOL_SYNCOBJ,
		.buffers = 3,
		.latency_ms = 8,
		.frames = 120,
		.width = 256,
		.height = 256,
		.color = 0x3060c0,
		.poison = 0xff00ff,
		.misbehave_frame = 3,
		.name = "fenceway-demo",
	};
	switch (fwd_options_parse(argc, argv,
				  FWD_OPT_PROTOCOL_SYNCOBJ | FWD_OPT_POOL |
					  FWD_OPT_MISBEHAVE |
					  FWD_OPT_UNTHROTTLED,
				  o)) {
	case 1:
		return 0;
	case -1:
		return 2;
	}

	int status;
	if (demo_app_init(&app) < 0) {
		/* A protocol error during setup is still worth its line. */
		if (app.display.display) {
			app.stats.other_errors++;
			demo_app_report(&app);
		}
		status = 1;
	} else {
		demo_app_run(&app);
		if (app.all_done_printed) {
			/* --linger: the summary is out already; add only what
			 * happened since (an error, the signal). */
			status = demo_app_report_late(&app);
		} else {
			status = demo_app_report(&app);
		}
	}
	demo_app_finish(&app);
	return status;
}
