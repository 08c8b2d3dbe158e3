/*
 * clients/common/options.c - command line parsing for the demos.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const protocol_names[] = {
	[FWD_PROTOCOL_SYNCOBJ] = "syncobj",
	[FWD_PROTOCOL_SYNCFILE] = "syncfile",
	[FWD_PROTOCOL_NONE] = "none",
};

static const char *const misbehave_names[] = {
	[FWD_MISBEHAVE_NO] = "no",
	[FWD_MISBEHAVE_NEVER_SIGNAL] = "never-signal",
	[FWD_MISBEHAVE_SIGNAL_ERROR] = "signal-error",
	[FWD_MISBEHAVE_DIE_MID_FRAME] = "die-mid-frame",
	[FWD_MISBEHAVE_JUNK_FD] = "junk-fd",
	[FWD_MISBEHAVE_JUNK_PIPE] = "junk-pipe",
	[FWD_MISBEHAVE_JUNK_MEMFD] = "junk-memfd",
};

const char *fwd_protocol_name(enum fwd_protocol p)
{
	return protocol_names[p];
}

const char *fwd_misbehave_name(enum fwd_misbehave m)
{
	return misbehave_names[m];
}

static void usage(FILE *out, const char *prog, unsigned allowed)
{
	fprintf(out,
		"usage: %s [options]\n"
		"A fenceway demo client: one window, one colour, explicit sync.\n"
		"  --protocol P     %s (default: %s)\n"
		"  --frames N       frames to draw, then exit (default 120)\n"
		"  --size WxH       window size (default 256x256)\n"
		"  --color RRGGBB   the window's colour (default 3060c0)\n"
		"  --name NAME      window title (default: the program name)\n"
		"  --linger         after the last frame: print the summary and keep\n"
		"                   the window up until SIGINT/SIGTERM\n",
		prog,
		(allowed & FWD_OPT_PROTOCOL_SYNCOBJ)
			? "syncobj, syncfile or none"
			: "syncfile or none",
		(allowed & FWD_OPT_PROTOCOL_SYNCOBJ) ? "syncobj" : "syncfile");
	if (allowed & FWD_OPT_POOL)
		fprintf(out,
			"  --buffers N      buffers in the pool, 2..16 (default 3)\n"
			"  --latency MS     simulated GPU time per frame (default 8)\n"
			"  --poison RRGGBB  what an unfinished frame looks like (default ff00ff)\n"
			"  --commit-early   with --protocol none: commit each frame before its GPU\n"
			"                   work is done, as explicit-sync clients do (without a\n"
			"                   fence the compositor may show it unfinished)\n"
			"  --label TEXT     the first line of the window's label (default: its sync)\n");
	if (allowed & FWD_OPT_UNTHROTTLED)
		fprintf(out,
			"  --unthrottled    commit whenever a buffer is free, not on frame callbacks\n");
	if (allowed & FWD_OPT_MISBEHAVE)
		fprintf(out,
			"  --misbehave M    at frame K: never-signal, signal-error, die-mid-frame,\n"
			"                   junk-fd (eventfd), junk-pipe, junk-memfd (unsealed)\n"
			"  --misbehave-frame K   (default 3)\n");
	fprintf(out,
		"Prints a summary at exit; status 0 only without protocol errors.\n");
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_color(const char *s, uint32_t *out)
{
	char *end;
	if (s[0] == '#')
		s++;
	if (strlen(s) != 6)
		return -1;
	unsigned long v = strtoul(s, &end, 16);
	if (*end)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_size(const char *s, int32_t *w, int32_t *h)
{
	unsigned a, b;
	char tail;
	if (sscanf(s, "%ux%u%c", &a, &b, &tail) != 2 || a < 16 || b < 16 ||
	    a > 4096 || b > 4096)
		return -1;
	*w = (int32_t)a;
	*h = (int32_t)b;
	return 0;
}

static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

int fwd_options_parse(int argc, char **argv, unsigned allowed,
		      struct fwd_options *o)
{
	enum {
		O_PROTOCOL = 256,
		O_BUFFERS,
		O_LATENCY,
		O_FRAMES,
		O_SIZE,
		O_COLOR,
		O_POISON,
		O_NAME,
		O_MISBEHAVE,
		O_MISBEHAVE_FRAME,
		O_UNTHROTTLED,
		O_LINGER,
		O_COMMIT_EARLY,
		O_LABEL,
		O_HELP
	};
	static const struct option longopts[] = {
		{"protocol", required_argument, NULL, O_PROTOCOL},
		{"buffers", required_argument, NULL, O_BUFFERS},
		{"latency", required_argument, NULL, O_LATENCY},
		{"frames", required_argument, NULL, O_FRAMES},
		{"size", required_argument, NULL, O_SIZE},
		{"color", required_argument, NULL, O_COLOR},
		{"poison", required_argument, NULL, O_POISON},
		{"name", required_argument, NULL, O_NAME},
		{"misbehave", required_argument, NULL, O_MISBEHAVE},
		{"misbehave-frame", required_argument, NULL, O_MISBEHAVE_FRAME},
		{"unthrottled", no_argument, NULL, O_UNTHROTTLED},
		{"linger", no_argument, NULL, O_LINGER},
		{"commit-early", no_argument, NULL, O_COMMIT_EARLY},
		{"label", required_argument, NULL, O_LABEL},
		{"help", no_argument, NULL, O_HELP},
		{0},
	};
	const char *prog = argv[0];
	uint64_t v;
	int c, i;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *bad = NULL;
		unsigned need = 0;

		switch (c) {
		case O_PROTOCOL:
			i = lookup(optarg, protocol_names, 3);
			if (i < 0 || (i == FWD_PROTOCOL_SYNCOBJ &&
				      !(allowed & FWD_OPT_PROTOCOL_SYNCOBJ)))
				bad = "--protocol";
			else
				o->protocol = (enum fwd_protocol)i;
			break;
		case O_BUFFERS:
			need = FWD_OPT_POOL;
			/* One buffer cannot work with explicit sync: it is
			 * released only when superseded, by itself. */
			if (parse_u64(optarg, 2, 16, &v) < 0)
				bad = "--buffers";
			else
				o->buffers = (unsigned)v;
			break;
		case O_LATENCY:
			need = FWD_OPT_POOL;
			if (parse_u64(optarg, 0, 10000, &v) < 0)
				bad = "--latency";
			else
				o->latency_ms = (unsigned)v;
			break;
		case O_FRAMES:
			if (parse_u64(optarg, 1, 1000000, &v) < 0)
				bad = "--frames";
			else
				o->frames = v;
			break;
		case O_SIZE:
			if (parse_size(optarg, &o->width, &o->height) < 0)
				bad = "--size";
			break;
		case O_COLOR:
			if (parse_color(optarg, &o->color) < 0)
				bad = "--color";
			break;
		case O_POISON:
			need = FWD_OPT_POOL;
			if (parse_color(optarg, &o->poison) < 0)
				bad = "--poison";
			break;
		case O_NAME:
			o->name = optarg;
			break;
		case O_MISBEHAVE:
			need = FWD_OPT_MISBEHAVE;
			i = lookup(optarg, misbehave_names, 7);
			if (i <= 0)
				bad = "--misbehave";
			else
				o->misbehave = (enum fwd_misbehave)i;
			break;
		case O_MISBEHAVE_FRAME:
			need = FWD_OPT_MISBEHAVE;
			if (parse_u64(optarg, 1, 1000000, &v) < 0)
				bad = "--misbehave-frame";
			else
				o->misbehave_frame = v;
			break;
		case O_UNTHROTTLED:
			need = FWD_OPT_UNTHROTTLED;
			o->unthrottled = true;
			break;
		case O_LINGER:
			o->linger = true;
			break;
		case O_COMMIT_EARLY:
			need = FWD_OPT_POOL;
			o->commit_early = true;
			break;
		case O_LABEL:
			need = FWD_OPT_POOL;
			o->label = optarg;
			break;
		case O_HELP:
		case 'h':
			usage(stdout, prog, allowed);
			return 1;
		default:
			usage(stderr, prog, allowed);
			return -1;
		}
		if (need && !(allowed & need)) {
			fprintf(stderr,
				"%s: option %s is not supported by this demo\n",
				prog, argv[optind - 1]);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "%s: bad value '%s' for %s\n", prog,
				optarg, bad);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		return -1;
	}
	if (o->misbehave && o->protocol == FWD_PROTOCOL_NONE) {
		fprintf(stderr,
			"%s: --misbehave needs an explicit-sync protocol\n",
			prog);
		return -1;
	}
	if (o->commit_early && o->protocol != FWD_PROTOCOL_NONE) {
		fprintf(stderr,
			"%s: --commit-early is for --protocol none "
			"(explicit-sync protocols always commit early)\n",
			prog);
		return -1;
	}
	if (o->misbehave && o->misbehave_frame > o->frames) {
		fprintf(stderr,
			"%s: --misbehave-frame %" PRIu64
			" is past --frames %" PRIu64 "\n",
			prog, o->misbehave_frame, o->frames);
		return -1;
	}
	return 0;
}
