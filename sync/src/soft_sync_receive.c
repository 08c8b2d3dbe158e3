/*
 * soft_sync_receive.c - the receiver side of soft sync files.
 *
 * Recognising one (SOCK_SEQPACKET AF_UNIX whose peer carries our name
 * prefix), reading its state without consuming it (MSG_PEEK only, so every
 * holder of the same file reads the same message), and turning one into a
 * fence: the original for files this process produces, else a proxy fence
 * that signals when the file becomes readable -- noticed by whoever polls
 * it: an event loop's ring (poll_fd/poll_settle, one wake-up in the
 * loop's thread), else the library's fd thread, armed only once somebody
 * else waits (enable_signaling).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fd_watch.h"
#include "fence_impl.h"
#include "soft_sync_file.h"

/* Parse a decimal number of at most @max; false on anything else. */
static bool parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int fw_soft_sync_file_identify(int fd, int32_t *pid, uint64_t *id)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	const size_t plen = strlen(FW_SOFT_SYNC_NAME_PREFIX);
	int type = 0;
	socklen_t olen = sizeof(int);
	const char *name, *slash;
	size_t nlen;
	uint64_t p, i;

	/*
	 * Two syscalls, since every sync file passing through a compositor
	 * pays them: getpeername succeeds only on a connected socket and its
	 * sun_family is the socket's domain, so it stands for fstat's
	 * S_ISSOCK and SO_DOMAIN; SO_TYPE remains.
	 */
	memset(&addr, 0, sizeof(addr));
	if (getpeername(fd, (struct sockaddr *)&addr, &len) < 0)
		return errno == EBADF ? -EBADF : -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) < 0 ||
	    type != SOCK_SEQPACKET)
		return -EINVAL;
	/* Abstract names only: sun_path[0] is NUL, length from @len. */
	if (addr.sun_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    len > sizeof(addr) || addr.sun_path[0] != '\0')
		return -EINVAL;
	name = addr.sun_path + 1;
	nlen = len - offsetof(struct sockaddr_un, sun_path) - 1;
	if (nlen <= plen || memcmp(name, FW_SOFT_SYNC_NAME_PREFIX, plen) != 0)
		return -EINVAL;
	name += plen;
	nlen -= plen;
	slash = memchr(name, '/', nlen);
	if (!slash || !parse_u64(name, slash - name, INT32_MAX, &p) ||
	    !parse_u64(slash + 1, nlen - (slash + 1 - name), UINT64_MAX, &i))
		return -EINVAL;
	if (pid)
		*pid = (int32_t)p;
	if (id)
		*id = i;
	return 0;
}

/* The one-point description of a file whose producer sent nothing usable. */
static int single_point(struct fw_soft_sync_view *view, int status)
{
	view->fence = NULL;
	view->status = status;
	view->timestamp_ns = 0;
	view->num_points = 1;
	view->points = calloc(1, sizeof(*view->points));
	if (!view->points)
		return -ENOMEM;
	strcpy(view->points[0].driver_name, FW_SOFT_DRIVER_NAME);
	view->points[0].status = status;
	return 0;
}

/*
 * Peek at the message into @buf (@size bytes); the message's full length,
 * 0 at end of file, or -1 with errno.  ECONNRESET is reported once if the
 * producer closed with unread data (it drains first, but a hostile one may
 * not): retry.
 */
static ssize_t peek(int fd, char *buf, size_t size)
{
	ssize_t n = -1;

	for (int tries = 0; tries < 4; tries++) {
		n = recv(fd, buf, size, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0 || (errno != EINTR && errno != ECONNRESET))
			break;
	}
	return n;
}

/* Messages of up to 12 points fit: one for the usual one-point fence. */
#define PEEK_SMALL 1024

int fw_soft_sync_file_peek(int fd, struct fw_soft_sync_view *view)
{
	/*
	 * On the stack first, since this runs for every sync file received;
	 * a longer message is peeked again (it stays queued) into a buffer
	 * one byte larger than the largest valid message, to see oversize.
	 */
	char small[PEEK_SMALL];
	char *buf = small;
	size_t size = sizeof(small);
	ssize_t n;
	int ret;

	memset(view, 0, sizeof(*view));
	n = peek(fd, buf, size);
	if (n > (ssize_t)size) {
		size = FW_SOFT_SYNC_MSG_MAX + 1;
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		n = peek(fd, buf, size);
	}
	if (n > 0) {
		size_t got = (size_t)n > size ? size : (size_t)n;

		ret = fw_soft_sync_msg_decode(
			buf, got, (size_t)n > FW_SOFT_SYNC_MSG_MAX, view);
		if (ret == -EPROTO)
			ret = single_point(view, -EPROTO);
	} else if (n == 0) {
		/* EOF, no message: the producer died (or a zero-length
		 * message, which is no valid message either). */
		ret = single_point(view, -EPIPE);
	} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		ret = single_point(view, FW_FENCE_PENDING);
	} else {
		ret = -errno;
	}
	if (buf != small)
		free(buf);
	return ret;
}

/* Is the peer of @fd this process's own live producer @id? */
static struct fw_fence *own_fence(int fd, int32_t pid, uint64_t id, char *name)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (pid != fw_soft_sync_self_pid())
		return NULL;
	/*
	 * Names are per network namespace, pids per pid namespace: check the
	 * socket's creator too, so a look-alike name from another namespace
	 * never maps onto one of our fences.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    cred.pid != pid)
		return NULL;
	return fw_soft_sync_producer_lookup(id, name);
}

int fw_soft_sync_file_view(int fd, struct fw_soft_sync_view *view)
{
	int32_t pid;
	uint64_t id;
	int ret = fw_soft_sync_file_identify(fd, &pid, &id);

	memset(view, 0, sizeof(*view));
	if (ret < 0)
		return ret;
	view->fence = own_fence(fd, pid, id, view->name);
	if (view->fence)
		return 0;
	return fw_soft_sync_file_peek(fd, view);
}

void fw_soft_sync_view_release(struct fw_soft_sync_view *view)
{
	fw_fence_put(view->fence);
	free(view->points);
	memset(view, 0, sizeof(*view));
}

/* ---- proxy fences for files produced elsewhere --------------------------- */

struct proxy {
	struct fw_fence base;
	int fd; /* our dup of the file if pending at import, else -1 */
	struct fw_fd_watch *watch; /* armed by enable_signaling, else NULL */
};

/*
 * Read @fd (the receiver's file or our dup of it) and, if it says
 * anything, signal the proxy with it.  Returns true once signalled.  The
 * caller holds a reference.
 */
static bool proxy_settle(struct proxy *p, int fd)
{
	struct fw_soft_sync_view view;
	int status;

	if (fw_soft_sync_file_peek(fd, &view) < 0)
		status = -EIO;
	else if (view.status == FW_FENCE_PENDING) {
		fw_soft_sync_view_release(&view);
		return false;
	} else
		status = view.status == FW_FENCE_SIGNALED ? 0 : view.status;
	/*
	 * The producer's clock is ours (CLOCK_MONOTONIC is system-wide):
	 * report when it signalled, not when we noticed.  (0 when unknown:
	 * end-of-file, a malformed message; then it is now.)
	 */
	fw_fence_signal_timestamp(&p->base, status, view.timestamp_ns);
	fw_soft_sync_view_release(&view);
	return true;
}

/* The file polled readable (message or EOF): signal the proxy with it. */
static void proxy_settle_readable(struct proxy *p)
{
	/* Readable without anything to read cannot happen; never hang. */
	if (!proxy_settle(p, p->fd))
		fw_fence_signal(&p->base, -EIO);
}

/*
 * On the fd thread: the file became readable.  The watch holds no
 * reference (a proxy nobody wants any more must not live on until its
 * producer acts), so take one if the proxy is still alive; if it is being
 * released, the release waits in fw_fd_watch_remove() for this callback,
 * so @p is still valid memory here.
 */
static void proxy_ready(int fd, uint32_t events, void *data)
{
	struct proxy *p = data;

	if (!fw_fence_get_unless_zero(&p->base))
		return;
	proxy_settle_readable(p);
	/* May be the last reference: proxy_release() from this callback. */
	fw_fence_put(&p->base);
}

/*
 * A file already signalled is settled from the receiver's own fd and keeps
 * nothing (the common case of a client that renders before it commits, so
 * it is kept to one read).  A pending one costs a dup, nothing more until
 * somebody waits: as for kernel sync files, the status follows the file
 * once somebody waits (a callback, fw_fence_wait, a loop), and stays what
 * import saw until then.
 */
static void proxy_arm(struct proxy *p, int fd, bool take)
{
	if (proxy_settle(p, fd)) {
		if (take)
			close(fd);
		return;
	}
	p->fd = take ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (p->fd < 0)
		fw_fence_signal(&p->base, -errno);
}

/* Somebody waits without polling the file itself: the fd thread does. */
static void proxy_enable_signaling(struct fw_fence *fence)
{
	struct proxy *p = (struct proxy *)fence;

	if (proxy_settle(p, p->fd))
		return;
	p->watch =
		fw_fd_watch_add(p->fd, EPOLLIN | EPOLLRDHUP, 0, proxy_ready, p);
	/* Cannot watch: fail now rather than leave waiters hanging. */
	if (!p->watch)
		fw_fence_signal(&p->base, errno ? -errno : -ENOMEM);
}

static int proxy_poll_fd(struct fw_fence *fence)
{
	return ((struct proxy *)fence)->fd;
}

static void proxy_poll_settle(struct fw_fence *fence)
{
	proxy_settle_readable((struct proxy *)fence);
}

static void proxy_release(struct fw_fence *fence)
{
	struct proxy *p = (struct proxy *)fence;

	/*
	 * Waits for a callback running on the fd thread; from inside our
	 * own callback it only marks the watch for freeing afterwards.
	 * Either way the fd is unwatched before we close it.
	 */
	fw_fd_watch_remove(p->watch);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static const struct fw_fence_ops proxy_ops = {
	.driver_name = FW_SOFT_DRIVER_NAME,
	.imported = true,
	.enable_signaling = proxy_enable_signaling,
	.poll_fd = proxy_poll_fd,
	.poll_settle = proxy_poll_settle,
	.release = proxy_release,
};

static struct fw_fence *proxy_create(int fd, bool take)
{
	struct proxy *p = calloc(1, sizeof(*p));
	int ret = -ENOMEM;

	if (!p)
		goto fail;
	p->fd = -1;
	ret = fw_fence_init(&p->base, &proxy_ops, fw_fence_context_alloc(1), 1,
			    "fenceway-sync-file");
	if (ret < 0) {
		free(p);
		goto fail;
	}
	proxy_arm(p, fd, take);
	return &p->base;
fail:
	if (take)
		close(fd);
	errno = -ret;
	return NULL;
}

struct fw_fence *fw_soft_sync_file_import_identified(int fd, int32_t pid,
						     uint64_t id, bool take)
{
	struct fw_fence *fence = own_fence(fd, pid, id, NULL);

	if (!fence)
		return proxy_create(fd, take);
	if (take)
		close(fd);
	return fence;
}

struct fw_fence *fw_soft_sync_file_import(int fd)
{
	int32_t pid;
	uint64_t id;
	int ret = fw_soft_sync_file_identify(fd, &pid, &id);

	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	return fw_soft_sync_file_import_identified(fd, pid, id, false);
}
