/*
 * fuzz-wire.c - request sequences of both explicit-sync protocols, as wire
 * bytes, to the whole compositor in this process.
 *
 * One socketless server (compositor/server.h, headless, pixman) is made on
 * the first input and kept; each input gets a fresh client from a
 * socketpair, destroyed at the end of the input, so a crash reproduces from
 * its one input.  The input is a program of up to MAX_STEPS steps:
 *
 *   [op] [a] [b] [argument bytes...]
 *   op % 16 < 12   a request on a live object: object = live[a], opcode
 *                  b, arguments decoded from the request's signature
 *   op % 16 == 12  the same on a raw id a (mostly dead or unknown ids)
 *   op % 16 == 13  signal harness timeline a % 4 to point b % 16
 *   op % 16 == 14  put harness timeline a % 4 in error
 *   op % 16 == 15  let the headless output make a frame (a short dispatch)
 *
 * The requests are those of wl_display, wl_registry, wl_compositor,
 * wl_surface, wl_region, wl_subcompositor, wl_subsurface, wl_shm,
 * wl_shm_pool, wl_buffer, xdg_wm_base, xdg_positioner, xdg_surface,
 * xdg_toplevel, wp_presentation, and both explicit-sync protocols; their
 * arguments come from the interface tables (wl_message signatures), so a
 * message is well formed unless the input asks otherwise (a wrong object,
 * an id in use, a missing fd).  Each fd argument is made by the harness:
 * a soft timeline of its own (read-write, or reopened read-only), a soft
 * sync file of a point of one, a memfd fit for wl_shm, /dev/null, a pipe
 * whose writer is gone, an eventfd, or no fd at all.  After every step the
 * server loop runs and the client's socket is drained (fds received are
 * closed; wl_display.delete_id frees an id, wl_display.error ends the
 * program).
 *
 * Checks: nothing crashes (ASan/UBSan); the client is gone once its end of
 * the socket is closed; after the input the process holds no more fds than
 * after the first one (beside the output's buffers, which wlroots makes as
 * frames need them, up to a bound), and no more threads than a bound.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <wlr/util/log.h>

#include <fenceway/sync_file.h>
#include <fenceway/timeline.h>

#include "fuzz.h"
#include "server.h"
#include "linux-drm-syncobj-v1-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"
#include "presentation-time-protocol.h"
#include "xdg-shell-protocol.h"

#define MAX_STEPS 128
#define MAX_IDS 512 /* client ids tracked: 1 .. MAX_IDS - 1 */
#define MAX_ARGS 20
#define MAX_MSG_FDS 4
#define TIMELINES 4
#define SHM_SIZE 65536
/* The server's threads plus the fence library's helpers for at most the
 * timelines one input can make: a thread more means one was left behind. */
#define MAX_THREADS 32
/* wlroots 0.15's swapchain holds at most 4 buffers; the cursor's is one
 * more swapchain. */
#define MAX_SWAPCHAIN_FDS 8

/* The interfaces whose requests are sent; bind() records the others as
 * objects without requests of interest. */
static const struct wl_interface *const fuzzed[] = {
	&wl_display_interface,
	&wl_registry_interface,
	&wl_compositor_interface,
	&wl_surface_interface,
	&wl_region_interface,
	&wl_subcompositor_interface,
	&wl_subsurface_interface,
	&wl_shm_interface,
	&wl_shm_pool_interface,
	&wl_buffer_interface,
	&xdg_wm_base_interface,
	&xdg_positioner_interface,
	&xdg_surface_interface,
	&xdg_toplevel_interface,
	&wp_presentation_interface,
	&wp_linux_drm_syncobj_manager_v1_interface,
	&wp_linux_drm_syncobj_timeline_v1_interface,
	&wp_linux_drm_syncobj_surface_v1_interface,
	&zwp_linux_explicit_synchronization_v1_interface,
	&zwp_linux_surface_synchronization_v1_interface,
};
#define N_FUZZED (sizeof(fuzzed) / sizeof(fuzzed[0]))

/* An object the client made whose interface is not in fuzzed[]. */
static const struct wl_interface other_interface = {"other", 1, 0,
						    NULL,    0, NULL};

struct global {
	uint32_t name, version;
	const struct wl_interface *iface; /* &other_interface if not fuzzed */
	char iface_name[64];
};

/* The process's one server, made on the first input. */
static struct {
	bool ready;
	struct fw_server server;
	struct global globals[32];
	int n_globals;
} fz;

/* One input's client, as seen from its end of the socketpair. */
struct client {
	int fd;		      /* the client's end; the server has the other */
	struct wl_client *wl; /* NULL once the server destroyed it */
	struct wl_listener destroy;
	bool dead; /* wl_display.error seen, or the socket failed */
	const struct wl_interface *ids[MAX_IDS]; /* NULL: free */
	uint32_t next_id;
	struct fw_timeline *timelines[TIMELINES]; /* the harness's own */
	uint32_t configure_serial; /* of the last xdg_surface.configure */
};

static void client_destroyed(struct wl_listener *listener, void *data)
{
	struct client *c = wl_container_of(listener, c, destroy);

	c->wl = NULL;
}

/*
 * Entries of a /proc directory; for /proc/self/fd (opendir's own fd is one
 * of them, the same in every count), the fds of the output's swapchain
 * apart: wlroots allocates those as frames need them, up to a fixed count,
 * whenever the frame timer happens to fire.
 */
static int count_dir(const char *path, int *swapchain)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;

	FUZZ_CHECK(dir != NULL);
	while ((e = readdir(dir)) != NULL) {
		char link[64];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		len = swapchain ? readlinkat(dirfd(dir), e->d_name, link,
					     sizeof(link) - 1)
				: -1;
		if (len > 0) {
			link[len] = 0;
			if (strncmp(link, "/dev/shm/wlroots-", 17) == 0) {
				(*swapchain)++;
				continue;
			}
		}
		n++;
	}
	closedir(dir);
	return n;
}
static void pump(int timeout_ms)
{
	wl_event_loop_dispatch(fz.server.event_loop, timeout_ms);
	wl_display_flush_clients(fz.server.display);
}

/* ---- reading what the server sends ---- */

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Reads what is there without blocking; fds received are closed.  Returns
 * the bytes read into @buf (at most @cap), or -1 once the peer hung up. */
static ssize_t read_some(int fd, uint8_t *buf, size_t cap)
{
	char control[CMSG_SPACE(sizeof(int) * 28)];
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	for (cmsg = CMSG_FIRSTHDR(&msg); n >= 0 && cmsg;
	     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		int *fds = (int *)CMSG_DATA(cmsg);
		size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < count; i++)
			close(fds[i]);
	}
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	return n == 0 ? -1 : n;
}

/* Events are parsed only for the ids they free and the error that ends
 * the client; a partial event waits in rx for the rest. */
static struct {
	uint8_t buf[8192];
	size_t len;
} rx;

static void parse_events(struct client *c)
{
	size_t at = 0;

	while (rx.len - at >= 8) {
		uint32_t id = get_u32(rx.buf + at);
		uint32_t word = get_u32(rx.buf + at + 4);
		uint32_t size = word >> 16, opcode = word & 0xffff;

		FUZZ_CHECK(size >= 8 && size % 4 == 0);
		if (rx.len - at < size)
			break;
		if (id == 1 && opcode == WL_DISPLAY_ERROR)
			c->dead = true;
		if (id < MAX_IDS && c->ids[id] == &xdg_surface_interface &&
		    opcode == 0 /* configure */ && size >= 12)
			c->configure_serial = get_u32(rx.buf + at + 8);
		if (id == 1 && opcode == WL_DISPLAY_DELETE_ID && size >= 12) {
			uint32_t gone = get_u32(rx.buf + at + 8);

			if (gone < MAX_IDS)
				c->ids[gone] = NULL;
		}
		at += size;
	}
	memmove(rx.buf, rx.buf + at, rx.len - at);
	rx.len -= at;
}

static void drain(struct client *c)
{
	for (;;) {
		ssize_t n;

		if (rx.len == sizeof(rx.buf))
			rx.len = 0; /* one event this big cannot happen */
		n = read_some(c->fd, rx.buf + rx.len, sizeof(rx.buf) - rx.len);
		if (n < 0)
			c->dead = true;
		if (n <= 0)
			break;
		rx.len += (size_t)n;
		parse_events(c);
	}
}

/* ---- writing requests ---- */

struct msg {
	uint32_t words[1024];
	size_t n; /* words used */
	int fds[MAX_MSG_FDS];
	int n_fds;
};

static void put_u32(struct msg *m, uint32_t v)
{
	if (m->n < sizeof(m->words) / sizeof(m->words[0]))
		m->words[m->n++] = v;
}

static void put_string(struct msg *m, const char *s)
{
	size_t len = strlen(s) + 1;

	put_u32(m, (uint32_t)len);
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = 0;

		memcpy(&w, s + i, len - i < 4 ? len - i : 4);
		put_u32(m, w);
	}
}

/* Sends @m for object @id; false once the server's end is gone.  The
 * harness's copies of the fds are closed either way. */
static bool send_msg(struct client *c, uint32_t id, uint32_t opcode,
		     struct msg *m)
{
	char control[CMSG_SPACE(sizeof(int) * MAX_MSG_FDS)] = {0};
	uint32_t size = (uint32_t)(m->n + 2) * 4;
	uint32_t head[2] = {id, size << 16 | (opcode & 0xffff)};
	struct iovec iov[2] = {
		{.iov_base = head, .iov_len = sizeof(head)},
		{.iov_base = m->words, .iov_len = m->n * 4},
	};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	bool ok;

	if (m->n_fds) {
		struct cmsghdr *cmsg;

		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * m->n_fds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * m->n_fds);
		memcpy(CMSG_DATA(cmsg), m->fds, sizeof(int) * m->n_fds);
	}
	ok = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)size;
	for (int i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	m->n_fds = 0;
	return ok;
}

/* ---- arguments ---- */

/* An integer: small, an edge, 32 raw bits, or (0xff) the serial an
 * ack_configure needs. */
static uint32_t arg_int(struct client *c, struct fuzz_in *in)
{
	static const uint32_t special[] = {
		0,
		1,
		2,
		0xffffffffu,
		0x7fffffff,
		0x80000000,
		4096,
		65535,
		0x10000,
		0xfffffff0u,
		(uint32_t)-64,
		256,
		1u << 31 | 1,
		100,
		8,
		3,
	};
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return c->configure_serial;
	if (b >= 0xf0)
		return special[b & 0xf];
	if (b >= 0xe0) { /* raw 32 bits */
		uint32_t v = fuzz_u8(in);

		v |= (uint32_t)fuzz_u8(in) << 8;
		v |= (uint32_t)fuzz_u8(in) << 16;
		return v | (uint32_t)fuzz_u8(in) << 24;
	}
	return b % 64;
}

static const char *arg_string(struct fuzz_in *in)
{
	static char long_string[300];
	static const char *const strings[] = {
		"", "x", "fuzz", "app.fenceway.fuzz", "\xff\xfe", long_string,
	};

	if (!long_string[0])
		memset(long_string, 'a', sizeof(long_string) - 1);
	return strings[fuzz_u8(in) % 6];
}

static int timeline_fd(struct client *c, unsigned k, bool read_only)
{
	char path[64];
	int fd, ro_fd;

	if (!c->timelines[k] && fw_timeline_create("fuzz", &c->timelines[k]))
		return -1;
	fd = fw_timeline_export_fd(c->timelines[k]);
	if (fd < 0 || !read_only)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	close(fd);
	return ro_fd;
}

static int sync_file_fd(struct client *c, unsigned k, uint64_t point)
{
	struct fw_fence *fence;
	int fd;

	if (!c->timelines[k] && fw_timeline_create("fuzz", &c->timelines[k]))
		return -1;
	fence = fw_timeline_point_fence(c->timelines[k], point);
	if (!fence)
		return -1;
	fd = fw_sync_file_create(fence);
	fw_fence_put(fence);
	return fd;
}

/* An fd of the kind the input picks; -1: send none. */
static int arg_fd(struct client *c, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	unsigned k = (b >> 3) % TIMELINES;
	int fd, p[2];

	switch (b & 7) {
	case 0:
		return timeline_fd(c, k, false);
	case 1:
		return sync_file_fd(c, k, 1 + (b >> 5));
	case 2:
		fd = memfd_create("fuzz-shm", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, SHM_SIZE) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	case 3:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case 4:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case 5:
		return eventfd(0, EFD_CLOEXEC);
	case 6:
		return timeline_fd(c, k, true);
	default:
		return -1;
	}
}

/* A live object of @iface (NULL: of any interface), chosen by @b, or 0. */
static uint32_t pick_object(struct client *c, const struct wl_interface *iface,
			    uint8_t b)
{
	uint32_t match[MAX_IDS];
	int n = 0;

	for (uint32_t id = 1; id < MAX_IDS; id++)
		if (c->ids[id] && (!iface || c->ids[id] == iface ||
				   strcmp(c->ids[id]->name, iface->name) == 0))
			match[n++] = id;
	return n ? match[b % n] : 0;
}

static uint32_t new_id(struct client *c, const struct wl_interface *iface,
		       struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	uint32_t id;

	if (b == 0xff)
		return 0; /* invalid */
	if (b == 0xfe)
		return pick_object(c, NULL, fuzz_u8(in)); /* in use */
	id = c->next_id++;
	if (id < MAX_IDS)
		c->ids[id] = iface ? iface : &other_interface;
	return id;
}

static const struct wl_interface *known_interface(const char *name)
{
	for (size_t i = 0; i < N_FUZZED; i++)
		if (strcmp(fuzzed[i]->name, name) == 0)
			return fuzzed[i];
	return &other_interface;
}

/* Encodes the arguments of @m (a request of @iface) from the input. */
static void encode_args(struct client *c, const struct wl_message *req,
			struct msg *m, struct fuzz_in *in)
{
	const char *sig = req->signature;
	bool nullable = false;
	int arg = 0;

	for (; *sig && arg < MAX_ARGS; sig++) {
		const struct wl_interface *type =
			req->types ? req->types[arg] : NULL;
		uint8_t b;
		int fd;

		switch (*sig) {
		case '?':
			nullable = true;
			continue;
		case 'i':
		case 'u':
			put_u32(m, arg_int(c, in));
			break;
		case 'f':
			put_u32(m,
				(uint32_t)(int32_t)(int8_t)fuzz_u8(in) * 256);
			break;
		case 's':
			put_string(m, arg_string(in));
			break;
		case 'a':
			b = fuzz_u8(in) % 16;
			put_u32(m, b);
			for (uint8_t i = 0; i < b; i += 4)
				put_u32(m, fuzz_u8(in));
			break;
		case 'h':
			fd = arg_fd(c, in);
			if (fd >= 0 && m->n_fds < MAX_MSG_FDS)
				m->fds[m->n_fds++] = fd;
			else if (fd >= 0)
				close(fd);
			break;
		case 'o':
			b = fuzz_u8(in);
			if (nullable && b == 0xff)
				put_u32(m, 0);
			else if (b == 0xfe)
				put_u32(m, pick_object(c, NULL, fuzz_u8(in)));
			else
				put_u32(m, pick_object(c, type, b));
			break;
		case 'n':
			put_u32(m, new_id(c, type, in));
			break;
		default:
			break; /* the version digits in front */
		}
		if (*sig >= 'a' && *sig <= 'z')
			arg++;
		nullable = false;
	}
}

/* wl_registry.bind ("usun"): a global's name and interface, a version
 * around its own, then the id. */
static void encode_bind(struct client *c, struct msg *m, struct fuzz_in *in)
{
	const struct global *g = &fz.globals[fuzz_u8(in) % fz.n_globals];
	uint8_t b = fuzz_u8(in);

	put_u32(m, g->name);
	put_string(m, g->iface_name);
	put_u32(m, b < 0xf0 ? 1 + b % g->version : b & 0xf);
	put_u32(m, new_id(c, g->iface, in));
}

static bool is_destructor(const struct wl_message *req)
{
	return strcmp(req->name, "destroy") == 0 ||
	       strcmp(req->name, "release") == 0;
}

static void send_request(struct client *c, uint32_t id,
			 const struct wl_interface *iface, uint8_t opcode,
			 struct fuzz_in *in)
{
	static struct msg m;
	const struct wl_message *req;

	m.n = 0;
	m.n_fds = 0;
	if (!iface || iface->method_count == 0 || opcode >= 0xf8) {
		/* An unknown id, an object without requests, or an opcode
		 * past the last: the server refuses whatever comes. */
		if (!send_msg(c, id, iface ? iface->method_count : 0, &m))
			c->dead = true;
		return;
	}
	req = &iface->methods[opcode % iface->method_count];
	if (iface == &wl_registry_interface)
		encode_bind(c, &m, in);
	else
		encode_args(c, req, &m, in);
	if (!send_msg(c, id, opcode % iface->method_count, &m))
		c->dead = true;
	if (is_destructor(req) && id < MAX_IDS &&
	    iface != &wl_display_interface)
		c->ids[id] = NULL;
}

/* ---- the server ---- */

/* Reads the globals a client is offered, once: their names are the same
 * for every client of the server. */
static void learn_globals(void)
{
	struct client c = {.next_id = 2};
	struct msg m = {.n = 0};
	int sv[2];
	size_t at = 0;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_CHECK(fw_server_add_client(&fz.server, sv[0]) != NULL);
	c.fd = sv[1];
	put_u32(&m, 2);
	FUZZ_CHECK(send_msg(&c, 1, 1 /* get_registry */, &m));
	rx.len = 0;
	for (int i = 0; i < 10; i++) {
		ssize_t n;

		pump(0);
		n = read_some(c.fd, rx.buf + rx.len, sizeof(rx.buf) - rx.len);
		if (n > 0)
			rx.len += (size_t)n;
	}
	while (rx.len - at >= 8) {
		uint32_t size = get_u32(rx.buf + at + 4) >> 16;
		struct global *g = &fz.globals[fz.n_globals];
		uint32_t len;

		FUZZ_CHECK(size >= 8 && rx.len - at >= size);
		len = get_u32(rx.buf + at + 12);
		if (get_u32(rx.buf + at) == 2 && len < sizeof(g->iface_name) &&
		    fz.n_globals <
			    (int)(sizeof(fz.globals) / sizeof(fz.globals[0]))) {
			g->name = get_u32(rx.buf + at + 8);
			memcpy(g->iface_name, rx.buf + at + 16, len);
			g->version =
				get_u32(rx.buf + at + 16 + ((len + 3) & ~3u));
			g->iface = known_interface(g->iface_name);
			fz.n_globals++;
		}
		at += size;
	}
	rx.len = 0;
	close(c.fd);
	pump(0);
	FUZZ_CHECK(fz.n_globals > 0);
}

static void server_start(void)
{
	const struct fw_config config = {
		.headless = true,
		.width = 640,
		.height = 480,
		/* 250 Hz: a frame op waits a few ms, not 16. */
		.refresh_mhz = 250000,
		.no_socket = true,
		.no_render_node = true,
	};

	wlr_log_init(WLR_SILENT, NULL);
	FUZZ_CHECK(fw_server_init(&fz.server, &config));
	learn_globals();
	fz.ready = true;
}

/* ---- one input ---- */

static void run_program(struct client *c, struct fuzz_in *in)
{
	for (int step = 0; step < MAX_STEPS && in->left && !c->dead && c->wl;
	     step++) {
		uint8_t op = fuzz_u8(in) % 16;
		uint8_t a = fuzz_u8(in), b = fuzz_u8(in);
		uint32_t id;

		if (op < 12) {
			id = pick_object(c, NULL, a);
			send_request(c, id, c->ids[id], b, in);
		} else if (op == 12) {
			send_request(c, a, c->ids[a], b, in);
		} else if (op == 13 && c->timelines[a % TIMELINES]) {
			fw_timeline_signal(c->timelines[a % TIMELINES], b % 16);
		} else if (op == 14 && c->timelines[a % TIMELINES]) {
			fw_timeline_set_error(c->timelines[a % TIMELINES],
					      -EIO);
		} else if (op == 15) {
			pump(5);
		}
		pump(0);
		drain(c);
	}
}

/* One input's client from start to end. */
static void run_input(const uint8_t *data, size_t size)
{
	static struct client c;
	struct fuzz_in in = {data, size};
	int sv[2];

	memset(&c, 0, sizeof(c));
	c.next_id = 2;
	c.ids[1] = &wl_display_interface;
	rx.len = 0;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	c.wl = fw_server_add_client(&fz.server, sv[0]);
	FUZZ_CHECK(c.wl != NULL);
	c.fd = sv[1];
	c.destroy.notify = client_destroyed;
	wl_client_add_destroy_listener(c.wl, &c.destroy);

	run_program(&c, &in);

	/* The client leaves as a crashed one would: its socket closes. */
	close(c.fd);
	for (int i = 0; i < 100 && c.wl; i++)
		pump(0);
	FUZZ_CHECK(c.wl == NULL);
	for (int k = 0; k < TIMELINES; k++)
		if (c.timelines[k])
			fw_timeline_put(c.timelines[k]);
	pump(0);
}

/*
 * The fence library makes some of its state on first use (the ring that
 * watches sync files, helper threads): a program that makes the server
 * wait for a sync file and a timeline point, run before the first input,
 * so that every input starts from the same fds.
 */
static const uint8_t warm_up[] = {
	12, 1,	1, 0,	     /* wl_display.get_registry -> 2 */
	12, 2,	0, 1,  3, 0, /* bind wl_compositor v4 -> 3 */
	12, 2,	0, 10, 0, 0, /* bind wp_linux_drm_syncobj_manager_v1 -> 4 */
	12, 2,	0, 11, 1, 0, /* bind zwp_linux_explicit_sync.. v2 -> 5 */
	12, 3,	0, 0,	     /* wl_compositor.create_surface -> 6 */
	12, 3,	0, 0,	     /* wl_compositor.create_surface -> 7 */
	12, 5,	1, 0,  0,    /* get_synchronization(6) -> 8 */
	12, 8,	1, 1,	     /* set_acquire_fence(sync file of 0:1) */
	12, 6,	6,	     /* wl_surface.commit */
	12, 4,	2, 0,  0,    /* import_timeline(timeline 0) -> 9 */
	12, 4,	1, 0,  1,    /* get_surface(7) -> 10 */
	12, 10, 1, 0,  0, 2, /* set_acquire_point(9, 2) */
	12, 7,	6,	     /* wl_surface.commit */
	13, 0,	2, 15, 0, 0, /* signal 0 to 2, a frame */
};

/*
 * The fd count once what the last input left to the fence library's
 * threads is done: a soft sync file's producer end is closed by a library
 * thread once nobody waits for it any more.  Returns as soon as the count
 * is at most @target, or after about a second with the count then.
 */
static int settled_fds(int target)
{
	int swapchain = 0;
	int n = count_dir("/proc/self/fd", &swapchain);

	for (int i = 0; i < 1000 && n > target; i++) {
		struct timespec ms = {0, 1000000};

		nanosleep(&ms, NULL);
		pump(0);
		swapchain = 0;
		n = count_dir("/proc/self/fd", &swapchain);
	}
	FUZZ_CHECK(swapchain <= MAX_SWAPCHAIN_FDS);
	return n;
}
/* What a leak report needs: every fd, and what it is. */
static void print_fds(int baseline)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	fprintf(stderr, "fds beyond the baseline of %d; the fds:\n", baseline);
	while (dir && (e = readdir(dir)) != NULL) {
		char link[256];
		ssize_t len = readlinkat(dirfd(dir), e->d_name, link,
					 sizeof(link) - 1);

		if (len > 0)
			fprintf(stderr, "  %s -> %.*s\n", e->d_name, (int)len,
				link);
	}
	if (dir)
		closedir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int before;

	if (!fz.ready) {
		server_start();
		run_input(warm_up, sizeof(warm_up));
		/* Nothing to wait for: settles as far as it goes. */
		settled_fds(0);
	}
	/* Counted at each start, not once: libFuzzer opens fds of its own
	 * between inputs (the pipes to its symbolizer).  The last input's
	 * check left nothing in flight. */
	before = count_dir("/proc/self/fd", &(int){0});
	run_input(data, size);
	if (settled_fds(before) > before)
		print_fds(before);
	FUZZ_CHECK(settled_fds(before) <= before);
	FUZZ_CHECK(count_dir("/proc/self/task", NULL) <= MAX_THREADS);
	return 0;
}
