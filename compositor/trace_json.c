/*
 * Chrome trace-event JSON writer; see trace_json.h for the file's shape.
 *
 * Each event is formatted into a line buffer of fixed size (strings are
 * cut, arguments capped, so a line always fits) and appended to the
 * output buffer only when complete: whatever reaches the file is a
 * sequence of whole lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_json.h"

#define OUT_SIZE 65536
#define LINE_SIZE 4096
/* Longest string written (bytes, before escaping). */
#define STR_MAX 200
#define ARGS_MAX 8

struct trace_json {
	int fd;
	size_t out_len;
	char out[OUT_SIZE];
	size_t line_len;
	char line[LINE_SIZE];
};

static void put(struct trace_json *tj, const char *s, size_t n) {
	/* Never happens with the caps above; a cut line beats an overrun. */
	if (n > LINE_SIZE - tj->line_len)
		n = LINE_SIZE - tj->line_len;
	memcpy(tj->line + tj->line_len, s, n);
	tj->line_len += n;
}

/* Fixed text (trace_json.h): the writer's own and the caller's literals,
 * which need no escaping. */
static void puts_raw(struct trace_json *tj, const char *s) {
	put(tj, s, strlen(s));
}

static void put_fixed(struct trace_json *tj, const char *s) {
	put(tj, "\"", 1);
	puts_raw(tj, s);
	put(tj, "\"", 1);
}

/*
 * Numbers by hand: printf's machinery was most of the time an event took,
 * and tracing is meant to cost next to nothing.  Decimal two digits a
 * step (a timestamp has a dozen), hexadecimal by shifts.
 */
static void put_dec(struct trace_json *tj, uint64_t v, int min_digits) {
	static const char pairs[] = "00010203040506070809"
								"10111213141516171819"
								"20212223242526272829"
								"30313233343536373839"
								"40414243444546474849"
								"50515253545556575859"
								"60616263646566676869"
								"70717273747576777879"
								"80818283848586878889"
								"90919293949596979899";
	char buf[24];
	int n = 0;

	while (v >= 100) {
		const char *p = pairs + 2 * (v % 100);

		buf[sizeof(buf) - 1 - n++] = p[1];
		buf[sizeof(buf) - 1 - n++] = p[0];
		v /= 100;
	}
	while (v || n < min_digits) {
		buf[sizeof(buf) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	}
	put(tj, buf + sizeof(buf) - n, (size_t)n);
}

static void put_hex(struct trace_json *tj, uint64_t v) {
	char buf[16];
	int n = 0;

	do {
		buf[sizeof(buf) - 1 - n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	put(tj, buf + sizeof(buf) - n, (size_t)n);
}

static void put_i64(struct trace_json *tj, int64_t v) {
	if (v < 0) {
		put(tj, "-", 1);
		put_dec(tj, -(uint64_t)v, 1);
	} else {
		put_dec(tj, (uint64_t)v, 1);
	}
}

/* Bytes a JSON string takes as they are: printable ASCII but the quote
 * and the backslash.  A table, so the common case costs one load a byte. */
static bool plain_byte(unsigned char c) {
	static const uint64_t plain[2] = {
		/* 0x20..0x3f without '"' (0x22) */
		0xffffffff00000000ull & ~(1ull << 0x22),
		/* 0x40..0x7e without '\\' (0x5c) */
		0x7fffffffffffffffull & ~(1ull << (0x5c - 0x40)),
	};
	return c < 0x80 && (plain[c >> 6] >> (c & 63) & 1);
}

/* A JSON string: printable ASCII kept, quote and backslash escaped. */
static void put_str(struct trace_json *tj, const char *s) {
	size_t run = 0; /* bytes of s[i - run .. i) to copy as they are */
	size_t i;

	put(tj, "\"", 1);
	for (i = 0; s && s[i] && i < STR_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (plain_byte(c)) {
			run++;
			continue;
		}
		put(tj, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(tj, esc, 2);
		} else {
			put(tj, "?", 1);
		}
	}
	if (run)
		put(tj, s + i - run, run);
	put(tj, "\"", 1);
}

static void put_key_fixed(struct trace_json *tj, const char *key,
	const char *s) {
	put(tj, ",\"", 2);
	puts_raw(tj, key);
	put(tj, "\":", 2);
	put_fixed(tj, s);
}

/* ns -> microseconds with three decimals, exact. */
static void put_ts(struct trace_json *tj, int64_t ns) {
	if (ns < 0)
		ns = 0;
	put(tj, ",\"ts\":", 6);
	put_dec(tj, (uint64_t)ns / 1000, 1);
	put(tj, ".", 1);
	put_dec(tj, (uint64_t)ns % 1000, 3);
}

static void put_args(struct trace_json *tj, const struct trace_json_arg *args,
	int nargs) {
	if (!args || nargs <= 0)
		return;
	put(tj, ",\"args\":{", 9);
	for (int i = 0; i < nargs && i < ARGS_MAX; i++) {
		if (i)
			put(tj, ",", 1);
		put_fixed(tj, args[i].key);
		put(tj, ":", 1);
		if (args[i].str)
			put_str(tj, args[i].str);
		else
			put_i64(tj, args[i].num);
	}
	put(tj, "}", 1);
}

static void begin_line(struct trace_json *tj, const char *ph, int pid,
	int tid) {
	tj->line_len = 0;
	put(tj, "{\"ph\":\"", 7);
	puts_raw(tj, ph);
	put(tj, "\",\"pid\":", 8);
	put_i64(tj, pid);
	put(tj, ",\"tid\":", 7);
	put_i64(tj, tid);
}

/* Move the finished line to the output buffer, whole. */
static void append_line(struct trace_json *tj) {
	if (tj->line_len > OUT_SIZE - tj->out_len)
		trace_json_flush(tj);
	memcpy(tj->out + tj->out_len, tj->line, tj->line_len);
	tj->out_len += tj->line_len;
}

static void end_line(struct trace_json *tj) {
	put(tj, "},\n", 3);
	append_line(tj);
}

bool trace_json_flush(struct trace_json *tj) {
	size_t done = 0;

	while (done < tj->out_len) {
		ssize_t n = write(tj->fd, tj->out + done, tj->out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Drop what cannot be written rather than grow. */
			tj->out_len = 0;
			return false;
		}
		done += (size_t)n;
	}
	tj->out_len = 0;
	return true;
}

struct trace_json *trace_json_create(int fd) {
	struct trace_json *tj = calloc(1, sizeof(*tj));

	if (!tj) {
		close(fd);
		return NULL;
	}
	tj->fd = fd;
	memcpy(tj->out, "[\n", 2);
	tj->out_len = 2;
	if (!trace_json_flush(tj)) {
		int err = errno;

		close(fd);
		free(tj);
		errno = err;
		return NULL;
	}
	return tj;
}

void trace_json_destroy(struct trace_json *tj, int64_t end_ns) {
	if (!tj)
		return;
	begin_line(tj, "i", 0, 0);
	put_key_fixed(tj, "name", "trace end");
	put_ts(tj, end_ns);
	put(tj, ",\"s\":\"g\"}\n]\n", 12);
	/* The closing line is the one line without a comma. */
	append_line(tj);
	trace_json_flush(tj);
	close(tj->fd);
	free(tj);
}

static void metadata(struct trace_json *tj, int pid, int tid, const char *name,
	const struct trace_json_arg *arg) {
	begin_line(tj, "M", pid, tid);
	put_key_fixed(tj, "name", name);
	put_args(tj, arg, 1);
	end_line(tj);
}

void trace_json_process(struct trace_json *tj, int pid, const char *name,
	int sort_index) {
	struct trace_json_arg n = {.key = "name", .str = name};
	struct trace_json_arg i = {.key = "sort_index", .num = sort_index};

	metadata(tj, pid, 0, "process_name", &n);
	metadata(tj, pid, 0, "process_sort_index", &i);
}

void trace_json_track(struct trace_json *tj, int pid, int tid, const char *name,
	int sort_index) {
	struct trace_json_arg n = {.key = "name", .str = name};
	struct trace_json_arg i = {.key = "sort_index", .num = sort_index};

	metadata(tj, pid, tid, "thread_name", &n);
	metadata(tj, pid, tid, "thread_sort_index", &i);
}

static void with_id(struct trace_json *tj, const char *ph, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns) {
	begin_line(tj, ph, pid, tid);
	put_key_fixed(tj, "cat", cat);
	put_key_fixed(tj, "name", name);
	/* A string: ids above 2^53 survive readers that use doubles. */
	put(tj, ",\"id\":\"0x", 9);
	put_hex(tj, id);
	put(tj, "\"", 1);
	put_ts(tj, ts_ns);
}

static void span(struct trace_json *tj, const char *ph, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs) {
	with_id(tj, ph, pid, tid, cat, name, id, ts_ns);
	put_args(tj, args, nargs);
	end_line(tj);
}

void trace_json_span_begin(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs) {
	span(tj, "b", pid, tid, cat, name, id, ts_ns, args, nargs);
}

void trace_json_span_end(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs) {
	span(tj, "e", pid, tid, cat, name, id, ts_ns, args, nargs);
}

void trace_json_instant(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, int64_t ts_ns,
	const struct trace_json_arg *args, int nargs) {
	begin_line(tj, "i", pid, tid);
	put_key_fixed(tj, "cat", cat);
	put_key_fixed(tj, "name", name);
	put_ts(tj, ts_ns);
	put(tj, ",\"s\":\"t\"", 8);
	put_args(tj, args, nargs);
	end_line(tj);
}

void trace_json_flow_start(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns) {
	with_id(tj, "s", pid, tid, cat, name, id, ts_ns);
	end_line(tj);
}

void trace_json_flow_end(struct trace_json *tj, int pid, int tid,
	const char *cat, const char *name, uint64_t id, int64_t ts_ns) {
	with_id(tj, "f", pid, tid, cat, name, id, ts_ns);
	put(tj, ",\"bp\":\"e\"", 9);
	end_line(tj);
}

void trace_json_counter(struct trace_json *tj, int pid, const char *name,
	const char *series, int64_t value, int64_t ts_ns) {
	struct trace_json_arg v = {.key = series, .num = value};

	begin_line(tj, "C", pid, 0);
	put_key_fixed(tj, "name", name);
	put_ts(tj, ts_ns);
	put_args(tj, &v, 1);
	end_line(tj);
}
