/*
 * fd_watch.c - the library's own epoll thread (see fd_watch.h).
 *
 * epoll hands back whatever we stored in the event, possibly for a watch
 * that another thread removed a moment ago.  So the event carries no
 * pointer but an id (slot index + generation), looked up under the lock:
 * a removed watch's id no longer matches and its late event is dropped.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fd_watch.h"
#include "fence_impl.h"

enum watch_state { ARMED, FIRING, FIRED };

struct fw_fd_watch {
	int fd;	    /* the caller's fd, passed to the callback */
	int own_fd; /* our dup when the fd was already watched */
	uint32_t events;
	unsigned flags;
	fw_fd_watch_func_t func;
	void *data;
	uint32_t slot;
	uint32_t gen;
	unsigned fork_gen; /* the process incarnation that armed it */
	enum watch_state state;
	bool removing;	 /* remove() waits for the callback */
	bool free_after; /* removed from its own callback */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int epfd = -1;
static bool started;
static pthread_t watch_thread;
static unsigned fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Slot table: slots[i] is the watch with id (gens[i], i), or NULL. */
static struct fw_fd_watch **slots;
static uint32_t *gens;
static uint32_t nslots, nfree;
static uint32_t *free_list;

static uint64_t watch_id(const struct fw_fd_watch *w)
{
	return (uint64_t)w->gen << 32 | w->slot;
}

/* Lock held.  0 or -ENOMEM. */
static int slot_alloc(struct fw_fd_watch *w)
{
	if (nfree == 0) {
		uint32_t n = nslots ? nslots * 2 : 64;
		struct fw_fd_watch **s = realloc(slots, n * sizeof(*s));
		uint32_t *g, *f;

		if (!s)
			return -ENOMEM;
		slots = s;
		g = realloc(gens, n * sizeof(*g));
		if (!g)
			return -ENOMEM;
		gens = g;
		f = realloc(free_list, n * sizeof(*f));
		if (!f)
			return -ENOMEM;
		free_list = f;
		for (uint32_t i = nslots; i < n; i++) {
			slots[i] = NULL;
			gens[i] = 0;
			free_list[nfree++] = n - 1 - (i - nslots);
		}
		nslots = n;
	}
	w->slot = free_list[--nfree];
	w->gen = ++gens[w->slot];
	slots[w->slot] = w;
	return 0;
}

/* Lock held. */
static void slot_free(struct fw_fd_watch *w)
{
	slots[w->slot] = NULL;
	free_list[nfree++] = w->slot;
}

static void watch_free(struct fw_fd_watch *w)
{
	if (w->own_fd >= 0)
		close(w->own_fd);
	free(w);
}

static void *watch_main(void *arg)
{
	struct epoll_event evs[32];

	fw_library_thread = true;
	for (;;) {
		int n = epoll_wait(epfd, evs, 32, -1);

		for (int i = 0; i < n; i++) {
			uint32_t slot = (uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			struct fw_fd_watch *w;

			pthread_mutex_lock(&lock);
			w = slot < nslots ? slots[slot] : NULL;
			if (!w || w->gen != gen || w->state != ARMED) {
				pthread_mutex_unlock(&lock);
				continue;
			}
			w->state = FIRING;
			pthread_mutex_unlock(&lock);

			w->func(w->fd, evs[i].events, w->data);

			pthread_mutex_lock(&lock);
			w->state = FIRED;
			if (w->free_after ||
			    ((w->flags & FW_FD_WATCH_AUTO_FREE) &&
			     !w->removing)) {
				slot_free(w);
				watch_free(w);
			} else {
				pthread_cond_broadcast(&cond);
			}
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/*
 * The child has the epoll fd but not the thread, and shares the epoll
 * instance with the parent: using it would disarm the parent's watches.
 * Forget it all; inherited watches are dead (fork_gen differs).
 */
static void atfork_child(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	started = false;
	fork_gen++;
	free(slots);
	free(gens);
	free(free_list);
	slots = NULL;
	gens = NULL;
	free_list = NULL;
	nslots = nfree = 0;
	pthread_cond_init(&cond, NULL);
	pthread_mutex_unlock(&lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Lock held. */
static int start_locked(void)
{
	pthread_attr_t attr;
	int ret;

	if (started)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024); /* callbacks run on it */
	ret = pthread_create(&watch_thread, &attr, watch_main, NULL);
	pthread_attr_destroy(&attr);
	if (ret) {
		close(epfd);
		epfd = -1;
		return -ret;
	}
	started = true;
	return 0;
}

int fw_fd_watch_start(void)
{
	int ret;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&lock);
	ret = start_locked();
	pthread_mutex_unlock(&lock);
	return ret;
}

struct fw_fd_watch *fw_fd_watch_add(int fd, uint32_t events, unsigned flags,
				    fw_fd_watch_func_t func, void *data)
{
	return fw_fd_watch_add_published(fd, events, flags, func, data, NULL);
}

struct fw_fd_watch *
fw_fd_watch_add_published(int fd, uint32_t events, unsigned flags,
			  fw_fd_watch_func_t func, void *data,
			  _Atomic(struct fw_fd_watch *) *publish)
{
	struct epoll_event ev = {0};
	struct fw_fd_watch *w;
	int ret;

	if (fd < 0 || !func) {
		errno = fd < 0 ? EBADF : EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->fd = fd;
	w->own_fd = -1;
	w->events = events;
	w->flags = flags;
	w->func = func;
	w->data = data;
	w->state = ARMED;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&lock);
	ret = start_locked();
	if (ret == 0)
		ret = slot_alloc(w);
	if (ret < 0)
		goto fail;
	w->fork_gen = fork_gen;
	ev.events = events | EPOLLONESHOT;
	ev.data.u64 = watch_id(w);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		if (errno != EEXIST) {
			ret = -errno;
		} else {
			/* That fd number is watched already: watch a dup. */
			w->own_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			if (w->own_fd < 0 ||
			    epoll_ctl(epfd, EPOLL_CTL_ADD, w->own_fd, &ev) < 0)
				ret = -errno;
		}
	}
	if (ret < 0) {
		slot_free(w);
		goto fail;
	}
	/* The thread fires it only after taking the lock we hold. */
	if (publish)
		atomic_store(publish, w);
	pthread_mutex_unlock(&lock);
	return w;

fail:
	pthread_mutex_unlock(&lock);
	watch_free(w);
	errno = -ret;
	return NULL;
}

void fw_fd_watch_remove(struct fw_fd_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&lock);
	if (w->fork_gen != fork_gen) {
		/* Inherited across fork(): never armed in this process. */
		pthread_mutex_unlock(&lock);
		watch_free(w);
		return;
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, w->own_fd >= 0 ? w->own_fd : w->fd,
		  NULL);
	if (w->state == FIRING) {
		if (pthread_equal(watch_thread, pthread_self())) {
			/* From its own callback: the thread frees it after. */
			w->free_after = true;
			pthread_mutex_unlock(&lock);
			return;
		}
		w->removing = true;
		while (w->state == FIRING)
			pthread_cond_wait(&cond, &lock);
	}
	slot_free(w);
	pthread_mutex_unlock(&lock);
	watch_free(w);
}

bool fw_fd_watch_try_remove(struct fw_fd_watch *w)
{
	pthread_mutex_lock(&lock);
	if (w->fork_gen == fork_gen) {
		if (w->state != ARMED) {
			pthread_mutex_unlock(&lock);
			return false;
		}
		epoll_ctl(epfd, EPOLL_CTL_DEL,
			  w->own_fd >= 0 ? w->own_fd : w->fd, NULL);
		slot_free(w);
	}
	pthread_mutex_unlock(&lock);
	watch_free(w);
	return true;
}
