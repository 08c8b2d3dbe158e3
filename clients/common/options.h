/*
 * clients/common/options.h - the demos' command line.
 *
 * Both demos share one parser; each says which options it understands
 * (the EGL demo has no buffer pool, latency or misbehaviour knobs).
 * Parsed values are plain data; the strings point into argv.
 */
#ifndef FWD_OPTIONS_H
#define FWD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum fwd_protocol {
	FWD_PROTOCOL_SYNCOBJ,  /* wp_linux_drm_syncobj_manager_v1 */
	FWD_PROTOCOL_SYNCFILE, /* zwp_linux_explicit_synchronization_v1 */
	FWD_PROTOCOL_NONE,     /* implicit: wl_buffer.release only */
};

enum fwd_misbehave {
	FWD_MISBEHAVE_NO = 0,
	FWD_MISBEHAVE_NEVER_SIGNAL, /* frame K's acquire never signals */
	FWD_MISBEHAVE_SIGNAL_ERROR, /* frame K's acquire fails (-EIO) */
	FWD_MISBEHAVE_DIE_MID_FRAME, /* _exit(3) right after committing frame K */
	FWD_MISBEHAVE_JUNK_FD,	 /* frame K's timeline/fence is an eventfd */
	FWD_MISBEHAVE_JUNK_PIPE, /* ... the read end of a pipe */
	FWD_MISBEHAVE_JUNK_MEMFD, /* ... an unsealed memfd that looks like a timeline */
};

/* Which options a program accepts (bit mask). */
enum {
	FWD_OPT_PROTOCOL_SYNCOBJ = 1 << 0, /* --protocol syncobj allowed */
	FWD_OPT_POOL = 1 << 1,		   /* --buffers, --latency, --poison,
					     * --commit-early, --label */
	FWD_OPT_MISBEHAVE = 1 << 2,	   /* --misbehave, --misbehave-frame */
	FWD_OPT_UNTHROTTLED = 1 << 3,	   /* --unthrottled */
};

struct fwd_options {
	enum fwd_protocol protocol;
	unsigned buffers;
	unsigned latency_ms;
	uint64_t frames;
	int32_t width, height;
	uint32_t color;	 /* 0xRRGGBB */
	uint32_t poison; /* 0xRRGGBB, the colour of an unfinished frame */
	enum fwd_misbehave misbehave;
	uint64_t misbehave_frame; /* 1-based */
	bool unthrottled;	  /* commit as soon as a buffer is free */
	bool linger;		  /* after the last frame, stay until SIGTERM */
	bool commit_early; /* --protocol none: commit before the GPU is done */
	const char
		*label; /* the label's first line, or NULL: from the protocol */
	const char *name; /* window title and app_id suffix */
};

/*
 * Parse argv.  Returns 0 to run, 1 if --help was printed (exit 0), -1 on
 * a usage error (printed; exit 2).  @allowed is a mask of FWD_OPT_*;
 * @opts holds the defaults on entry.
 */
int fwd_options_parse(int argc, char **argv, unsigned allowed,
		      struct fwd_options *opts);

const char *fwd_protocol_name(enum fwd_protocol p);
const char *fwd_misbehave_name(enum fwd_misbehave m);

#endif
