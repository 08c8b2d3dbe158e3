/*
 * bench/peers/syscall-cost.c - what this machine charges for a system
 * call, so the peer report can show the floor under a per-commit figure.
 * Not a test by itself.
 *
 * The explicit-sync paths are counted in system calls per commit by the
 * runner (bench/peers/README.md); this program prices them: the CPU time
 * of one null system call, and of one AF_UNIX socketpair's whole life
 * (create, close both ends), which is what a soft sync file costs the
 * kernel before any of its messages.  Thread CPU time, not wall time, so
 * a loaded machine does not inflate the figures.
 *
 * Then the floors under the sync-file acquire figures: what any consumer
 * of the soft sync file ABI (docs/soft-sync-file-abi.md) spends, in its
 * own CPU, on one file, written here from that document alone so that no
 * choice of fenceway's is in it.  A forked producer makes real soft sync
 * files and passes each, as SCM_RIGHTS with a small payload, over a unix
 * stream socket (as a Wayland request carries one); the consumer receives
 * it, recognises it (section 2), peeks it pending, sleeps in poll() until
 * the producer signals it, peeks the message and closes it (a held file);
 * or, for a file its producer signalled before sending it, receives it,
 * recognises it, peeks the message and closes it.  From each is
 * taken the same loop whose requests carry no fd: the difference is the
 * work the file itself brings.  Both loops sleep once per request (one
 * wake-up is the least a file signalled later by another process needs):
 * the producer sends the next request before it signals a file, so the
 * consumer woken by the signal finds the next request queued, as with a
 * client whose next commit signals the previous one's acquire; without
 * files, or with files signalled already, the consumer sleeps in
 * recvmsg() until the next request instead.
 *
 * Prints one line
 *   result mode=platform syscall_ns=N socketpair_ns=N
 *          held_syncfile_floor_ns=N signalled_syncfile_floor_ns=N
 *          message_ns=N
 * (message_ns: the loop without a file, per message) and exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#define ROUNDS 5

/* What each request of a loop carries. */
enum files { NO_FILE, SIGNALLED_FILE, HELD_FILE };

static void die(const char *what)
{
	fprintf(stderr, "syscall-cost: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* getppid through syscall(): glibc caches nothing for it, so each call
 * enters the kernel and does next to nothing there. */
static int64_t null_syscall(unsigned n)
{
	int64_t t0 = cpu_ns();

	for (unsigned i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (cpu_ns() - t0) / n;
}

static int64_t socketpair_life(unsigned n)
{
	int64_t t0 = cpu_ns();

	for (unsigned i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
		    0)
			die("socketpair");
		close(sv[0]);
		close(sv[1]);
	}
	return (cpu_ns() - t0) / n;
}

/* ---- a held soft sync file, the consumer's side ---------------------- */

/* The ABI's values (docs/soft-sync-file-abi.md, sections 1 and 4). */
#define NAME_PREFIX "fenceway-sync-file/"
#define MSG_MAGIC 0x46535746u
#define MSG_HEADER 56
#define MSG_POINT 80
#define MSG_MAX_POINTS 256
#define MSG_MAX (MSG_HEADER + MSG_MAX_POINTS * MSG_POINT)
/* What carries each file: a Wayland request's header and two words. */
#define PAYLOAD 16

struct msg_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	int32_t status;
	uint32_t num_points;
	int64_t timestamp_ns;
	char name[32];
};

struct msg_point {
	char obj_name[32];
	char driver_name[32];
	int32_t status;
	uint32_t flags;
	uint64_t timestamp_ns;
};

_Static_assert(sizeof(struct msg_header) == MSG_HEADER, "ABI header size");
_Static_assert(sizeof(struct msg_point) == MSG_POINT, "ABI point size");

/*
 * How many messages the consumer is done with, in memory both processes
 * share: the producer signals a file only once the consumer has seen it
 * pending, so every file is held.  Both loops pay the same futex wake.
 */
static _Atomic uint32_t *acked;

static void futex_wait_on(_Atomic uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, w, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void ack(uint32_t i)
{
	atomic_store(acked, i);
	syscall(SYS_futex, acked, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void wait_acked(uint32_t i)
{
	uint32_t v;

	while ((v = atomic_load(acked)) < i)
		futex_wait_on(acked, v);
}

/* A new soft sync file: returns the file, its producer end into @end. */
static int make_sync_file(int *end, uint64_t *counter)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	for (;;) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1,
				 NAME_PREFIX "%d/%" PRIu64, (int)getpid(),
				 (*counter)++);
		socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + n;

		if (bind(sv[0], (struct sockaddr *)&a, len) == 0)
			break;
		if (errno != EADDRINUSE)
			die("bind");
	}
	if (shutdown(sv[0], SHUT_RD) < 0)
		die("shutdown");
	*end = sv[0];
	return sv[1];
}

static void signal_sync_file(int end)
{
	struct {
		struct msg_header h;
		struct msg_point p;
	} m = {
		.h = {.magic = MSG_MAGIC,
		      .version = 1,
		      .header_size = MSG_HEADER,
		      .status = 1,
		      .num_points = 1,
		      .name = "bench"},
		.p = {.obj_name = "bench",
		      .driver_name = "fenceway-soft",
		      .status = 1},
	};
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	m.h.timestamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	m.p.timestamp_ns = (uint64_t)m.h.timestamp_ns;
	if (send(end, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		die("send signal");
	shutdown(end, SHUT_RDWR);
	close(end);
}

/* One request on @stream, with @fd (closed here) unless it is -1. */
static void send_request(int stream, int fd)
{
	char payload[PAYLOAD] = {0};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {payload, sizeof(payload)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *cm;

		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(stream, &m, MSG_NOSIGNAL) != PAYLOAD)
		die("sendmsg");
	if (fd >= 0)
		close(fd);
}

/*
 * The file a request carries (-1: none); a held one's producer end goes
 * to @end, a signalled one's is closed already.
 */
static int new_file(enum files files, int *end, uint64_t *counter)
{
	int fd;

	if (files == NO_FILE)
		return -1;
	fd = make_sync_file(end, counter);
	if (files == SIGNALLED_FILE)
		signal_sync_file(*end);
	return fd;
}

/*
 * The producer: request i + 1 goes out before a held file i signals, so
 * the consumer, woken by the signal, finds it queued and sleeps once per
 * request in every loop.
 */
static void producer(int stream, enum files files, uint32_t total)
{
	uint64_t counter = 1;
	int end = -1, next = -1;

	send_request(stream, new_file(files, &end, &counter));
	for (uint32_t i = 1; i <= total; i++) {
		wait_acked(i);
		if (i < total)
			send_request(stream, new_file(files, &next, &counter));
		if (files == HELD_FILE)
			signal_sync_file(end);
		end = next;
	}
}

/* The request's fd, or -1 if it carried none. */
static int recv_request(int stream)
{
	char payload[PAYLOAD];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {payload, sizeof(payload)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.buf,
			   .msg_controllen = sizeof(c.buf)};
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(stream, &m, MSG_CMSG_CLOEXEC) != PAYLOAD)
		die("recvmsg");
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Decimal without leading zeros, up to @end or the first '/'. */
static const char *decimal(const char *s, const char *end)
{
	const char *start = s;

	while (s < end && *s >= '0' && *s <= '9')
		s++;
	if (s == start || (*start == '0' && s - start > 1))
		return NULL;
	return s;
}

/*
 * Section 2 of the ABI.  getsockopt() fails with ENOTSOCK on anything but
 * a socket, which answers the fstat() test too.
 */
static bool is_sync_file(int fd)
{
	struct sockaddr_un a;
	socklen_t alen = sizeof(a), len;
	const char *name, *end;
	int v;

	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_UNIX)
		return false;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 ||
	    v != SOCK_SEQPACKET)
		return false;
	if (getpeername(fd, (struct sockaddr *)&a, &alen) < 0 ||
	    alen <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    a.sun_path[0] != '\0')
		return false;
	name = a.sun_path + 1;
	end = a.sun_path + (alen - offsetof(struct sockaddr_un, sun_path));
	if ((size_t)(end - name) <= strlen(NAME_PREFIX) ||
	    memcmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) != 0)
		return false;
	name = decimal(name + strlen(NAME_PREFIX), end);
	if (!name || name == end || *name != '/')
		return false;
	return decimal(name + 1, end) == end;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool status_ok(int32_t s, bool active_ok)
{
	return s == 1 || (s >= -4095 && s <= -1) || (active_ok && s == 0);
}

/* Every check of section 4. */
static bool message_ok(const unsigned char *buf, ssize_t n)
{
	struct msg_header h;

	if (n < MSG_HEADER || n > MSG_MAX)
		return false;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MSG_MAGIC || h.version != 1 ||
	    h.header_size != MSG_HEADER || h.num_points < 1 ||
	    h.num_points > MSG_MAX_POINTS ||
	    n != MSG_HEADER + (ssize_t)h.num_points * MSG_POINT ||
	    !status_ok(h.status, false) || h.timestamp_ns < 0 ||
	    !terminated(h.name, sizeof(h.name)))
		return false;
	for (uint32_t i = 0; i < h.num_points; i++) {
		struct msg_point p;

		memcpy(&p, buf + MSG_HEADER + i * MSG_POINT, sizeof(p));
		if (!terminated(p.obj_name, sizeof(p.obj_name)) ||
		    !terminated(p.driver_name, sizeof(p.driver_name)) ||
		    !status_ok(p.status, h.status < 0) || p.flags != 0 ||
		    p.timestamp_ns > INT64_MAX ||
		    (h.status == 1 && p.status != 1))
			return false;
	}
	return true;
}

/* Section 3: 0 pending, 1 signalled with a sound message, -1 otherwise. */
static int peek_sync_file(int fd)
{
	static unsigned char buf[MSG_MAX + 1];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf),
			 MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	while (n < 0 && errno == ECONNRESET);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		die("peek");
	return message_ok(buf, n) ? 1 : -1;
}

static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "syscall-cost: the producer failed\n");
		exit(2);
	}
}

static void fail(const char *why)
{
	fprintf(stderr, "syscall-cost: %s\n", why);
	exit(2);
}

/*
 * The consumer's CPU per request over @n requests after @warm: each
 * carries a held soft sync file that is received, recognised, peeked
 * pending, waited for, peeked signalled and closed; or a signalled one,
 * received, recognised, peeked signalled and closed; or nothing.
 */
static int64_t consume(enum files files, uint32_t warm, uint32_t n)
{
	int64_t t0 = 0;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	atomic_store(acked, 0);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		producer(sv[1], files, warm + n);
		_exit(0);
	}
	close(sv[1]);
	for (uint32_t i = 1; i <= warm + n; i++) {
		struct pollfd p = {.events = POLLIN};

		if (i == warm + 1)
			t0 = cpu_ns();
		p.fd = recv_request(sv[0]);
		if (files == NO_FILE) {
			if (p.fd >= 0)
				fail("a request without a file carried one");
			ack(i);
			continue;
		}
		if (p.fd < 0 || !is_sync_file(p.fd))
			fail("the request carried no soft sync file");
		if (files == SIGNALLED_FILE) {
			if (peek_sync_file(p.fd) != 1)
				fail("a signalled sync file had no sound "
				     "message");
			close(p.fd);
			ack(i);
			continue;
		}
		if (peek_sync_file(p.fd) != 0)
			fail("the sync file was not pending when it came");
		ack(i);
		while (poll(&p, 1, -1) < 0)
			if (errno != EINTR)
				die("poll");
		if (peek_sync_file(p.fd) != 1)
			fail("the sync file signalled without a sound message");
		close(p.fd);
	}
	t0 = cpu_ns() - t0;
	close(sv[0]);
	reap(pid);
	return t0 / n;
}

int main(int argc, char **argv)
{
	/* --quick: a few iterations, for the smoke run. */
	bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	unsigned scale = quick ? 100 : 1;
	uint32_t files = quick ? 100 : 2000;
	int64_t sys[ROUNDS], pair[ROUNDS], held[ROUNDS], sig[ROUNDS],
		msg[ROUNDS];

	if (argc > 2 || (argc == 2 && !quick)) {
		fprintf(stderr, "usage: syscall-cost [--quick]\n");
		return 2;
	}
	acked = mmap(NULL, sizeof(*acked), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (acked == MAP_FAILED)
		die("mmap");
	/* Interleaved rounds, the median of each. */
	for (int r = 0; r < ROUNDS; r++) {
		sys[r] = null_syscall(100000 / scale);
		pair[r] = socketpair_life(10000 / scale);
		msg[r] = consume(NO_FILE, files / 10, files);
		/* What the files add, against this round's loop without. */
		held[r] = consume(HELD_FILE, files / 10, files) - msg[r];
		sig[r] = consume(SIGNALLED_FILE, files / 10, files) - msg[r];
	}
	qsort(sys, ROUNDS, sizeof(sys[0]), cmp_i64);
	qsort(pair, ROUNDS, sizeof(pair[0]), cmp_i64);
	qsort(held, ROUNDS, sizeof(held[0]), cmp_i64);
	qsort(sig, ROUNDS, sizeof(sig[0]), cmp_i64);
	qsort(msg, ROUNDS, sizeof(msg[0]), cmp_i64);
	printf("result mode=platform syscall_ns=%" PRId64
	       " socketpair_ns=%" PRId64 " held_syncfile_floor_ns=%" PRId64
	       " signalled_syncfile_floor_ns=%" PRId64 " message_ns=%" PRId64
	       "\n",
	       sys[ROUNDS / 2], pair[ROUNDS / 2], held[ROUNDS / 2],
	       sig[ROUNDS / 2], msg[ROUNDS / 2]);
	return 0;
}
