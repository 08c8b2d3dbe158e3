/*
 * fenceway's command line.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

/* wlroots 0.15's headless frame timer waits floor(1000/Hz) ms; above
 * 1000 Hz that is 0 and the output never draws again (docs/compositor.md,
 * "Command line"). */
#define MAX_REFRESH_HZ 1000.0
#define MAX_OUTPUT_SIDE 16384

static const char usage[] =
	"Usage: fenceway [options] [-- CMD [ARGS...]]\n"
	"\n"
	"  --headless             headless backend (no display, no input)\n"
	"  --output WxH[@HZ]      headless output mode (default 1280x720@60;\n"
	"                         HZ at most 1000)\n"
	"  --socket NAME          Wayland socket name in $XDG_RUNTIME_DIR\n"
	"                         (default: first free wayland-N)\n"
	"  -s, --startup CMD      run CMD with sh -c once the socket is up\n"
	"  --log-level LEVEL      silent, error, info (default) or debug\n"
	"  --no-explicit-sync     hide both explicit-sync globals (same as\n"
	"                         FENCEWAY_NO_EXPLICIT_SYNC=1)\n"
	"  --trace FILE           write every commit's life to FILE as a Chrome\n"
	"                         trace-event JSON (Perfetto UI opens it)\n"
	"  --stall-threshold MS   report a client whose commit is held for MS\n"
	"                         milliseconds (default 1000)\n"
	"  --fd-budget N          fds one client may pin: imported timelines,\n"
	"                         sync files held (default: a third of the fd\n"
	"                         limit left after a reserve of max(256,\n"
	"                         limit/8), within 16..4096)\n"
	"  --wait-budget N        timelines and sync files with a pending wait\n"
	"                         one client may have (default 256)\n"
	"                         A client past a budget is disconnected.\n"
	"  --trace-marker         mirror the trace's spans to ftrace's\n"
	"                         trace_marker (trace-cmd, KernelShark, GPUVis)\n"
	"  --test-input           offer virtual pointer and keyboard globals\n"
	"                         (same as FENCEWAY_TEST_INPUT=1): any client\n"
	"                         could then click and type anywhere, so this is\n"
	"                         for tests and CI only, never a real session\n"
	"  -h, --help             show this help and exit\n"
	"  -v, --version          show the version and exit\n"
	"\n"
	"With -- CMD, fenceway runs CMD as its client (WAYLAND_DISPLAY and\n"
	"XDG_RUNTIME_DIR set for it), passes SIGINT and SIGTERM on to it, and\n"
	"exits with CMD's status (128+N if signal N killed it) once CMD exits.\n"
	"Without XDG_RUNTIME_DIR it makes a private one, removed at exit.\n"
	"\n"
	"Without --headless the backend is chosen by wlroots: DRM/KMS on a VT,\n"
	"a window when WAYLAND_DISPLAY or DISPLAY is set, or WLR_BACKENDS.\n";

/* One line saying what is wrong, then the usage; exit status 2. */
static int bad_usage(const char *fmt, const char *arg) {
	fprintf(stderr, "fenceway: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

/* "WxH" or "WxH@HZ" (HZ may have decimals).  Returns an error text or
 * NULL on success. */
static const char *parse_output(const char *text, struct fw_config *config) {
	char *end;
	errno = 0;
	long w = strtol(text, &end, 10);
	if (end == text || *end != 'x' || errno != 0) {
		return "expected WIDTHxHEIGHT[@HZ]";
	}
	const char *h_text = end + 1;
	long h = strtol(h_text, &end, 10);
	if (end == h_text || (*end != '\0' && *end != '@') || errno != 0) {
		return "expected WIDTHxHEIGHT[@HZ]";
	}
	if (w <= 0 || h <= 0 || w > MAX_OUTPUT_SIDE || h > MAX_OUTPUT_SIDE) {
		return "width and height must be 1..16384";
	}
	double hz = 60.0;
	if (*end == '@') {
		const char *hz_text = end + 1;
		hz = strtod(hz_text, &end);
		if (end == hz_text || *end != '\0' || errno != 0 || !isfinite(hz)) {
			return "expected a refresh rate in Hz after '@'";
		}
		if (hz <= 0.0) {
			return "refresh rate must be positive";
		}
		if (hz > MAX_REFRESH_HZ) {
			return "refresh rate must be at most 1000 Hz "
				   "(the headless timer of wlroots 0.15 stops above)";
		}
	}
	int32_t mhz = (int32_t)lround(hz * 1000.0);
	if (mhz <= 0) {
		return "refresh rate too small";
	}
	config->width = (int32_t)w;
	config->height = (int32_t)h;
	config->refresh_mhz = mhz;
	return NULL;
}

/* A budget: 1..MAX_BUDGET, decimal. */
#define MAX_BUDGET 1000000

static bool parse_budget(const char *text, uint32_t *out) {
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || value < 1 ||
		value > MAX_BUDGET) {
		return false;
	}
	*out = (uint32_t)value;
	return true;
}

static bool parse_log_level(const char *text, enum wlr_log_importance *level) {
	static const struct {
		const char *name;
		enum wlr_log_importance level;
	} levels[] = {
		{"silent", WLR_SILENT},
		{"error", WLR_ERROR},
		{"info", WLR_INFO},
		{"debug", WLR_DEBUG},
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcmp(text, levels[i].name) == 0) {
			*level = levels[i].level;
			return true;
		}
	}
	return false;
}

enum {
	OPT_HEADLESS = 256,
	OPT_OUTPUT,
	OPT_SOCKET,
	OPT_LOG_LEVEL,
	OPT_NO_EXPLICIT_SYNC,
	OPT_TEST_INPUT,
	OPT_TRACE,
	OPT_STALL_THRESHOLD,
	OPT_FD_BUDGET,
	OPT_WAIT_BUDGET,
	OPT_TRACE_MARKER,
};

int fw_options_parse(int argc, char *argv[], struct fw_config *config,
	enum wlr_log_importance *level) {
	*config = (struct fw_config){
		.width = 1280,
		.height = 720,
		.refresh_mhz = 60000,
		.stall_threshold_ms = 1000,
	};
	*level = WLR_INFO;

	static const struct option options[] = {
		{"headless", no_argument, NULL, OPT_HEADLESS},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"startup", required_argument, NULL, 's'},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"no-explicit-sync", no_argument, NULL, OPT_NO_EXPLICIT_SYNC},
		{"test-input", no_argument, NULL, OPT_TEST_INPUT},
		{"trace", required_argument, NULL, OPT_TRACE},
		{"stall-threshold", required_argument, NULL, OPT_STALL_THRESHOLD},
		{"fd-budget", required_argument, NULL, OPT_FD_BUDGET},
		{"wait-budget", required_argument, NULL, OPT_WAIT_BUDGET},
		{"trace-marker", no_argument, NULL, OPT_TRACE_MARKER},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	opterr = 0; /* our own one-line messages */
	/* '+': stop at the first non-option, so that nothing after "--" (the
	 * runner's command and its own options) is taken for ours. */
	const char *last_optarg = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+:s:hv", options, NULL)) != -1) {
		last_optarg = optarg;
		const char *err;
		switch (c) {
		case OPT_HEADLESS:
			config->headless = true;
			break;
		case OPT_OUTPUT:
			err = parse_output(optarg, config);
			if (err != NULL) {
				fprintf(stderr, "fenceway: invalid --output '%s': %s\n%s",
					optarg, err, usage);
				return 2;
			}
			break;
		case OPT_SOCKET:
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL) {
				return bad_usage("invalid --socket '%s': a plain name is "
								 "needed",
					optarg);
			}
			config->socket_name = optarg;
			break;
		case 's':
			config->startup_cmd = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (!parse_log_level(optarg, level)) {
				return bad_usage("invalid --log-level '%s' (silent, error, "
								 "info, debug)",
					optarg);
			}
			break;
		case OPT_NO_EXPLICIT_SYNC:
			config->no_explicit_sync = true;
			break;
		case OPT_TEST_INPUT:
			config->test_input = true;
			break;
		case OPT_TRACE:
			config->trace_path = optarg;
			break;
		case OPT_STALL_THRESHOLD: {
			char *end;
			errno = 0;
			long ms = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 || ms < 1 ||
				ms > 3600000) {
				return bad_usage("invalid --stall-threshold '%s' (1 to "
								 "3600000 ms)",
					optarg);
			}
			config->stall_threshold_ms = (int)ms;
			break;
		}
		case OPT_FD_BUDGET:
		case OPT_WAIT_BUDGET:
			if (!parse_budget(optarg,
					c == OPT_FD_BUDGET ? &config->fd_budget
									   : &config->wait_budget)) {
				return bad_usage("invalid budget '%s' (a number, "
								 "1..1000000)",
					optarg);
			}
			break;
		case OPT_TRACE_MARKER:
			config->trace_marker = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'v':
			printf("fenceway %s\n", FENCEWAY_VERSION);
			return 0;
		case ':':
			return bad_usage("option '%s' needs an argument", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	/* A "--" that ended the options, not one given as an option's
	 * value (--socket --). */
	bool dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0 &&
		argv[optind - 1] != last_optarg;
	if (dashdash) {
		if (optind == argc) {
			return bad_usage("'%s' must be followed by a command to run", "--");
		}
		config->command = &argv[optind];
	} else if (optind < argc) {
		return bad_usage("unexpected argument '%s'", argv[optind]);
	}
	return -1;
}
