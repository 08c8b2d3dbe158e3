/*
 * soft_sync_file.c - the producer side of soft sync files.
 *
 * Every soft sync file this process hands out has a producer: the bound end
 * of its socketpair, a reference to the fence, a callback on that fence and
 * a watch for EPOLLHUP on the end (every receiver closed its copy: nobody
 * needs the signal any more) -- unless its creator promised to signal the
 * fence (FW_SYNC_FILE_CALLER_SIGNALS): then the callback alone ends it.  The producer signals from the fence callback
 * (any thread): it sends the one message.  Whoever takes the watch away
 * first frees the producer, so "signalled" and "abandoned" never race:
 *  - the fence callback, if the watch has not fired: it removes the watch,
 *    sends, closes and frees in the signalling thread (the usual case: no
 *    other thread wakes);
 *  - else the watch's callback on the library's fd thread (the receivers
 *    left first, or the fence signalled before the watch existed: then the
 *    callback shuts the end down, which raises EPOLLHUP).
 *
 * A forked child must not keep producer ends alive (a receiver would never
 * see EOF while the child lives): pthread_atfork closes them in the child.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <fenceway/sync_file.h>

#include "fd_watch.h"
#include "fence_impl.h"
#include "soft_sync_file.h"

#define NBUCKETS 1024u
/* Names squatted by someone else are skipped; give up after this many. */
#define MAX_BIND_TRIES 16

struct producer {
	struct fw_fence_cb cb;	/* on @fence; runs signalled() once */
	struct fw_fence *fence; /* reference, dropped at teardown */
	int fd;			/* producer end, owned; -1 once closed */
	/* The EPOLLHUP watch once armed, else NULL (published by fd_watch). */
	_Atomic(struct fw_fd_watch *) watch;
	/* No watch at all: the creator promised to signal the fence. */
	bool unwatched;
	uint64_t id;	       /* the counter in the name */
	bool signalled;	       /* message sent (guarded by reg_lock) */
	char name[32];	       /* the sync file's name (for the message) */
	struct producer *next; /* hash chain (guarded by reg_lock) */
};

/*
 * The registry: producers by id, so an import of one of our own files finds
 * the original fence.  reg_lock is never held while callbacks run or while
 * calling into fd_watch; it may be held while reading a fence's state
 * (lock order: reg_lock, then a fence's lock; never the other way round).
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct producer *buckets[NBUCKETS];
static size_t live_producers;
static atomic_uint_fast64_t next_id = 1;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* getpid() is a system call every time: asked once per process image. */
static pid_t self_pid;

/* reg_lock held. */
static void registry_insert_locked(struct producer *p)
{
	struct producer **head = &buckets[p->id % NBUCKETS];

	p->next = *head;
	*head = p;
	live_producers++;
}

/*
 * Unlink @p and close its end in one step under reg_lock: a fork() sees
 * the end either listed (and closes it in the child) or already closed.
 * Closing never resets a receiver (which would lose the message): the end
 * was shut for reading before anyone else had it, so nothing is queued.
 */
static void registry_remove_and_close(struct producer *p)
{
	struct producer **pp;

	pthread_mutex_lock(&reg_lock);
	for (pp = &buckets[p->id % NBUCKETS]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	close(p->fd);
	p->fd = -1;
	pthread_mutex_unlock(&reg_lock);
}

/*
 * After fork, in the child: close every producer end the child inherited,
 * so receivers see EOF when the parent goes, not when the child does.  The
 * entries themselves are left allocated and unlisted: the child's copies of
 * the fences still point at their callbacks, which then find fd == -1.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&reg_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&reg_lock);
}

static void atfork_child(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++) {
		for (struct producer *p = buckets[i]; p; p = p->next) {
			close(p->fd);
			p->fd = -1;
			p->signalled = true;
		}
		buckets[i] = NULL;
	}
	live_producers = 0;
	self_pid = getpid();
	pthread_mutex_unlock(&reg_lock);
}

/*
 * Once per process: the fork handlers, and a random start for the name
 * counter.  Ids only need to be unique, and a random start means a file
 * from a dead process whose pid we now have (its name survives in its
 * receivers) is not mistaken for one of ours by id.
 */
static void process_init(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)fw_now_ns() * 0x9e3779b97f4a7c15ull;
	/* Keep it well below 2^63: decimal, and room to count up. */
	atomic_store(&next_id, (seed >> 2) | 1);
	self_pid = getpid();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

pid_t fw_soft_sync_self_pid(void)
{
	pthread_once(&init_once, process_init);
	return self_pid;
}

/* Messages of up to 12 points are encoded on the stack. */
#define MSG_SMALL 1024

/* Send the message (best effort; receivers then see it, then EOF). */
static void send_message(int fd, struct fw_fence *fence, const char *name)
{
	/*
	 * The usual one-point fence on the stack (every signal pays this);
	 * up to 20 KiB on the heap, since this may run on a library thread
	 * with a small stack.
	 */
	char small[MSG_SMALL];
	size_t points = fw_fence_num_points(fence);
	/* As fw_soft_sync_msg_encode() writes it: at least one point. */
	size_t need = sizeof(struct fw_soft_sync_msg_header) +
		      (points ? points : 1) * sizeof(struct sync_fence_info);
	void *buf =
		need <= sizeof(small) ? small : malloc(FW_SOFT_SYNC_MSG_MAX);

	/*
	 * Without memory (or if the send fails) the receivers see EOF and
	 * report -EPIPE: still signalled, never hanging.
	 */
	if (buf) {
		size_t len = fw_soft_sync_msg_encode(fence, name, buf);

		(void)send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (buf != small)
			free(buf);
	}
}

/* Send the message and shut the end down: EPOLLHUP follows. */
static void send_and_shutdown(int fd, struct fw_fence *fence, const char *name)
{
	send_message(fd, fence, name);
	shutdown(fd, SHUT_RDWR);
}

/* The last of @p: its end is closed, its references dropped. */
static void producer_free(struct producer *p)
{
	fw_fence_put(p->fence);
	free(p);
	/* Counted down last: once the count is 0, every end is closed. */
	pthread_mutex_lock(&reg_lock);
	live_producers--;
	pthread_mutex_unlock(&reg_lock);
}

static void signalled(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	struct producer *p = (struct producer *)cb;
	struct fw_fd_watch *watch;
	int fd;

	pthread_mutex_lock(&reg_lock);
	fd = p->signalled ? -1 : p->fd;
	p->signalled = true;
	pthread_mutex_unlock(&reg_lock);
	if (fd < 0)
		return;
	/*
	 * @p stays valid and @fd open: the watch's teardown waits for this
	 * callback (fw_fence_remove_callback) before it closes anything.
	 * Taking the watch away first means EPOLLHUP wakes nobody: the
	 * teardown is ours.  The fence's signaller holds a reference, so
	 * dropping ours here is never the last.
	 */
	watch = atomic_load(&p->watch);
	if (p->unwatched || (watch && fw_fd_watch_try_remove(watch))) {
		send_message(fd, fence, p->name);
		registry_remove_and_close(p);
		producer_free(p);
		return;
	}
	send_and_shutdown(fd, fence, p->name);
}

/* EPOLLHUP on the producer end: the one place a producer is freed. */
static void hung_up(int fd, uint32_t events, void *data)
{
	struct producer *p = data;

	/*
	 * Always: if the callback is running in another thread right now
	 * (it sent the message, a receiver saw it and closed, and the
	 * callback has yet to shut the end down), this waits for it to
	 * finish before we close an fd number it is still using.
	 */
	fw_fence_remove_callback(p->fence, &p->cb);
	registry_remove_and_close(p);
	producer_free(p);
}

static int bind_unique(int fd, uint64_t *id_out)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	for (int tries = 0; tries < MAX_BIND_TRIES; tries++) {
		uint64_t id = atomic_fetch_add(&next_id, 1);
		/* Abstract: sun_path[0] is NUL and the name is not terminated. */
		int len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
				   FW_SOFT_SYNC_NAME_PREFIX "%ld/%llu",
				   (long)self_pid, (unsigned long long)id);
		socklen_t alen =
			offsetof(struct sockaddr_un, sun_path) + 1 + len;

		if (bind(fd, (struct sockaddr *)&addr, alen) == 0) {
			*id_out = id;
			return 0;
		}
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

/* Copy a name into a 32-byte field, truncating. */
static void set_name(char dst[32], const char *src)
{
	size_t n = src ? strnlen(src, 31) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int fw_soft_sync_file_create(struct fw_fence *fence, const char *name,
			     unsigned flags)
{
	struct producer *p;
	struct fw_fd_watch *watch;
	int sv[2], ret;

	if (!fence)
		return -EINVAL;
	pthread_once(&init_once, process_init);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	set_name(p->name, name ? name : fw_fence_timeline_name(fence));

	/*
	 * From socketpair() until the end is listed (or closed), hold the
	 * registry lock: a fork() meanwhile waits in atfork_prepare, so no
	 * child ever inherits a producer end it does not know to close.
	 */
	pthread_mutex_lock(&reg_lock);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = -errno;
		pthread_mutex_unlock(&reg_lock);
		free(p);
		return ret;
	}
	p->fd = sv[0];
	ret = bind_unique(sv[0], &p->id);
	/* Receivers cannot queue data at the producer (docs/soft-sync-file-abi.md). */
	if (ret == 0 && shutdown(sv[0], SHUT_RD) < 0)
		ret = -errno;
	if (ret < 0) {
		close(sv[0]);
		close(sv[1]);
		pthread_mutex_unlock(&reg_lock);
		free(p);
		return ret;
	}
	/* Already signalled: nothing to keep, the file is complete now. */
	if (fw_fence_is_signaled(fence)) {
		send_and_shutdown(sv[0], fence, p->name);
		close(sv[0]);
		pthread_mutex_unlock(&reg_lock);
		free(p);
		return sv[1];
	}
	p->fence = fw_fence_get(fence);
	p->unwatched = flags & FW_SYNC_FILE_CALLER_SIGNALS;
	registry_insert_locked(p);
	pthread_mutex_unlock(&reg_lock);

	if (p->unwatched) {
		/* Torn down by the callback, whenever it runs (maybe now). */
		if (fw_fence_add_callback(fence, &p->cb, signalled) == -ENOENT)
			signalled(fence, &p->cb);
		return sv[1];
	}
	/*
	 * Callback first, watch second: the watch's teardown assumes the
	 * callback was registered (or ran).  If the fence signals in
	 * between, our shutdown raises EPOLLHUP before the watch exists and
	 * the watch fires as soon as it is added (level-triggered).
	 */
	if (fw_fence_add_callback(fence, &p->cb, signalled) == -ENOENT)
		signalled(fence, &p->cb);
	watch = fw_fd_watch_add_published(
		sv[0], EPOLLHUP, FW_FD_WATCH_AUTO_FREE, hung_up, p, &p->watch);
	if (!watch) {
		ret = -errno;
		hung_up(sv[0], 0, p);
		close(sv[1]);
		return ret;
	}
	return sv[1];
}

struct fw_fence *fw_soft_sync_producer_lookup(uint64_t id, char *name)
{
	struct fw_fence *fence = NULL;

	pthread_mutex_lock(&reg_lock);
	for (struct producer *p = buckets[id % NBUCKETS]; p; p = p->next) {
		if (p->id == id) {
			fence = fw_fence_get(p->fence);
			if (name)
				memcpy(name, p->name, 32);
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return fence;
}

size_t fw_soft_sync_producer_count(void)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = live_producers;
	pthread_mutex_unlock(&reg_lock);
	return n;
}
