/*
 * test-soft-hostile.c - the soft timeline page as hostile input.
 *
 * Import must refuse anything but a correctly sealed page of the right size
 * with our magic and version; after import, a peer scribbling over the page
 * must never crash, hang or spin us: we believe only "the value".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <unistd.h>

#include <fenceway/loop.h>
#include <fenceway/timeline.h>

#include "soft_timeline.h"
#include "testlib.h"

struct spec {
	off_t size;
	int seals;
	uint32_t magic, version, size_field;
};

static const struct spec good = {
	FW_SOFT_PAGE_SIZE, FW_SOFT_REQUIRED_SEALS,
	FW_SOFT_PAGE_MAGIC, FW_SOFT_PAGE_VERSION, FW_SOFT_PAGE_SIZE,
};

/* A memfd laid out (and sealed) as @s says. */
static int make_page(struct spec s)
{
	struct fw_soft_page hdr = { 0 };
	int fd = memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, s.size), 0);
	hdr.magic = s.magic;
	hdr.version = s.version;
	hdr.size = s.size_field;
	if (s.size >= (off_t)sizeof(hdr))
		CHECK_EQ(pwrite(fd, &hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	if (s.seals)
		CHECK_EQ(fcntl(fd, F_ADD_SEALS, s.seals), 0);
	return fd;
}

static void expect_refused(int fd, int err)
{
	struct fw_timeline *tl = NULL;

	CHECK_EQ(fw_timeline_import(fd, &tl), err);
	CHECK(tl == NULL);
	CHECK(!fw_soft_timeline_fd_is_soft(fd));
}

static void test_good_page_imports(void)
{
	int fd = make_page(good);
	struct fw_timeline *tl = NULL;

	CHECK(fw_soft_timeline_fd_is_soft(fd));
	CHECK_EQ(fw_timeline_import(fd, &tl), 0);
	CHECK_EQ(fw_timeline_signal(tl, 3), 0);
	CHECK_EQ(fw_timeline_wait(tl, 3, 0), 0);
	fw_timeline_put(tl);
	close(fd);
}

static void test_refused(void)
{
	struct spec s;
	int fd, p[2];

	/* No seals at all: the peer could shrink it under us (SIGBUS). */
	s = good;
	s.seals = 0;
	fd = make_page(s);
	expect_refused(fd, -EPERM);
	close(fd);

	/* Seals missing one of the three. */
	s = good;
	s.seals = F_SEAL_SHRINK | F_SEAL_GROW;
	fd = make_page(s);
	expect_refused(fd, -EPERM);
	close(fd);

	/* Write-sealed: we could not raise the value. */
	s = good;
	s.seals |= F_SEAL_WRITE;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);

	/* Wrong sizes: short, empty, long. */
	s = good;
	s.size = 64;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);
	s.size = 0;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);
	s.size = 2 * FW_SOFT_PAGE_SIZE;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);

	/* Wrong magic, version, size field. */
	s = good;
	s.magic ^= 1;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);
	s = good;
	s.version = 2;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);
	s = good;
	s.size_field = 8192;
	fd = make_page(s);
	expect_refused(fd, -EINVAL);
	close(fd);

	/* Not a memfd at all. */
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	expect_refused(p[0], -EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p), 0);
	expect_refused(p[0], -EINVAL);
	close(p[0]);
	close(p[1]);
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	expect_refused(fd, -EINVAL);
	close(fd);

	/* Bad fds. */
	expect_refused(-1, -EBADF);
	fd = make_page(good);
	close(fd);
	expect_refused(fd, -EBADF);
}

/* A good page behind a read-only fd: refused, not mapped read-only. */
static void test_read_only_fd(void)
{
	int fd = make_page(good);
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(ro >= 0);
	{
		struct fw_timeline *tl = NULL;

		CHECK_EQ(fw_timeline_import(ro, &tl), -EACCES);
	}
	close(ro);
	close(fd);
}

static struct fw_soft_page *map_peer(int fd)
{
	void *p = mmap(NULL, FW_SOFT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/*
 * What the raw-peer tests start from: a good page, imported as our
 * timeline @tl, and the peer's own writable mapping @page of it, through
 * which a test plays the hostile process.  peer_release() drops all three.
 */
struct hostile_peer {
	int fd;
	struct fw_soft_page *page;
	struct fw_timeline *tl;
};

static void peer_import(struct hostile_peer *hp)
{
	hp->fd = make_page(good);
	hp->page = map_peer(hp->fd);
	hp->tl = NULL;
	CHECK_EQ(fw_timeline_import(hp->fd, &hp->tl), 0);
}

static void peer_release(struct hostile_peer *hp)
{
	fw_timeline_put(hp->tl);
	munmap(hp->page, FW_SOFT_PAGE_SIZE);
	close(hp->fd);
}

static void test_value_backwards(void)
{
	struct hostile_peer hp;
	struct fw_fence *f50, *f60, *f20;
	uint64_t v;

	peer_import(&hp);
	CHECK_EQ(fw_timeline_signal(hp.tl, 100), 0);
	f50 = fw_timeline_point_fence(hp.tl, 50);
	CHECK_EQ(fw_fence_get_status(f50), FW_FENCE_SIGNALED);

	/* The peer drags the value back. */
	atomic_store(&hp.page->value, 3);
	CHECK_EQ(fw_fence_get_status(f50), FW_FENCE_SIGNALED); /* sticky */
	CHECK_EQ(fw_timeline_query(hp.tl, &v), 0);
	CHECK_EQ(v, 3);
	/* We trust the value: new points above it are pending. */
	f20 = fw_timeline_point_fence(hp.tl, 20);
	f60 = fw_timeline_point_fence(hp.tl, 60);
	CHECK_EQ(fw_fence_get_status(f20), FW_FENCE_PENDING);
	/* Signalling raises it again (CAS max), and the points fire. */
	CHECK_EQ(fw_timeline_signal(hp.tl, 60), 0);
	CHECK_EQ(fw_fence_get_status(f20), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_fence_get_status(f60), FW_FENCE_SIGNALED);

	fw_fence_put(f20);
	fw_fence_put(f50);
	fw_fence_put(f60);
	peer_release(&hp);
}

static void test_garbage_error(void)
{
	static const int32_t junk[] = { 12345, INT32_MIN, -4096, 1 };

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct hostile_peer hp;
		struct fw_fence *f;

		peer_import(&hp);
		f = fw_timeline_point_fence(hp.tl, 5);
		atomic_store(&hp.page->error, junk[i]);
		/* Clamped to -EIO; the local signal path notices. */
		CHECK_EQ(fw_timeline_get_error(hp.tl), -EIO);
		CHECK_EQ(fw_timeline_wait(hp.tl, 5, -1), -EIO);
		CHECK_EQ(fw_timeline_signal(hp.tl, 1), 0);
		CHECK_EQ(fw_fence_get_status(f), -EIO);
		fw_fence_put(f);
		peer_release(&hp);
	}
}

/* A sane negative errno from the peer is passed on as is. */
static void test_peer_error_async(void)
{
	struct hostile_peer hp;
	struct fw_fence *f;

	peer_import(&hp);
	f = fw_timeline_point_fence(hp.tl, 5);
	/* As a raw peer would: store, bump the wake word, wake. */
	atomic_store(&hp.page->error, -ENODEV);
	atomic_fetch_add(&hp.page->wake, 1);
	syscall(SYS_futex, &hp.page->wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	CHECK_EQ(fw_fence_wait(f, -1), 0);
	CHECK_EQ(fw_fence_get_status(f), -ENODEV);
	fw_fence_put(f);
	peer_release(&hp);
}

struct counted {
	struct fw_fence_cb cb;
	atomic_int runs;
};

static void count_cb(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	atomic_fetch_add(&((struct counted *)cb)->runs, 1);
}

/* A raw peer's raise is visible to a status query at once. */
static void test_status_reads_page(void)
{
	struct counted cb = { 0 }, late = { 0 };
	struct hostile_peer hp;
	struct fw_fence *f, *g;

	peer_import(&hp);
	f = fw_timeline_point_fence(hp.tl, 3);
	g = fw_timeline_point_fence(hp.tl, 9);
	CHECK_EQ(fw_fence_add_callback(f, &cb.cb, count_cb), 0);
	/* No wake-up at all: only the value moves. */
	atomic_store(&hp.page->value, 5);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK(fw_fence_timestamp(f) > 0);
	CHECK_EQ(fw_fence_wait(f, 0), 0);
	/* A query never runs callbacks (callers may hold locks)... */
	CHECK_EQ(atomic_load(&cb.runs), 0);
	/* ...and late callbacks are refused, as after any signal. */
	CHECK_EQ(fw_fence_add_callback(f, &late.cb, count_cb), -ENOENT);
	/* The next processing of the timeline runs it, exactly once. */
	CHECK_EQ(fw_timeline_signal(hp.tl, 1), 0);
	CHECK_EQ(atomic_load(&cb.runs), 1);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_timeline_signal(hp.tl, 2), 0);
	CHECK_EQ(atomic_load(&cb.runs), 1);
	CHECK_EQ(atomic_load(&late.runs), 0);
	CHECK_EQ(fw_fence_get_status(g), FW_FENCE_PENDING);
	atomic_store(&hp.page->error, -ETIMEDOUT);
	CHECK_EQ(fw_fence_get_status(g), -ETIMEDOUT);
	fw_fence_put(f);
	fw_fence_put(g);
	peer_release(&hp);
}

static void test_magic_trashed_after_import(void)
{
	struct hostile_peer hp;
	struct fw_timeline *again = NULL;
	struct fw_fence *f;

	peer_import(&hp);
	f = fw_timeline_point_fence(hp.tl, 2);
	memset(hp.page, 0xa5, 16); /* magic, version, size, flags */
	CHECK_EQ(fw_timeline_signal(hp.tl, 2), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	/* Already known by inode: the same object, no re-check needed. */
	CHECK_EQ(fw_timeline_import(hp.fd, &again), 0);
	CHECK(again == hp.tl);
	fw_timeline_put(again);
	fw_fence_put(f);
	fw_timeline_put(hp.tl);
	hp.tl = NULL;   /* gone before the re-import below, as it must be */
	/* Unknown again (once fallback waiter threads let go): refused. */
	CHECK_EQ(fw_sync_debug_quiesce(5000000000LL), 0);
	CHECK_EQ(fw_timeline_import(hp.fd, &again), -EINVAL);
	peer_release(&hp);
}

/* The whole page turned to 0xff: every point reached, error -1 (EPERM). */
static void test_page_all_ones(void)
{
	struct hostile_peer hp;
	struct fw_fence *f;

	peer_import(&hp);
	f = fw_timeline_point_fence(hp.tl, 1000);
	memset(hp.page, 0xff, FW_SOFT_PAGE_SIZE);
	CHECK_EQ(fw_timeline_signal(hp.tl, 1), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(fw_timeline_get_error(hp.tl), -EPERM);
	CHECK_EQ(fw_timeline_wait(hp.tl, UINT64_MAX, 0), 0);
	fw_fence_put(f);
	peer_release(&hp);
}

/*
 * A peer hammers the wake word without raising the value: our pending
 * point must stay pending (no false signal), and a later real signal still
 * gets through.
 */
static void test_wake_word_storm(void)
{
	int fd = make_page(good);
	struct fw_timeline *tl = NULL;
	struct fw_loop *loop = fw_loop_create();
	struct fw_fence *f;
	int status, go[2];
	pid_t pid;

	CHECK_EQ(fw_timeline_import(fd, &tl), 0);
	f = fw_timeline_point_fence(tl, 10);
	CHECK_EQ(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct fw_soft_page *peer = map_peer(fd);
		char c;

		for (int i = 0; i < 20000; i++) {
			atomic_fetch_add(&peer->wake, 1);
			syscall(SYS_futex, &peer->wake, FUTEX_WAKE, INT_MAX,
				NULL, NULL, 0);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		atomic_store(&peer->value, 10);
		atomic_fetch_add(&peer->wake, 1);
		syscall(SYS_futex, &peer->wake, FUTEX_WAKE, INT_MAX, NULL,
			NULL, 0);
		_exit(0);
	}
	close(go[0]);
	usleep(20000);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_PENDING);
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(fw_fence_wait(f, -1), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[1]);
	fw_fence_put(f);
	fw_timeline_put(tl);
	fw_loop_destroy(loop);
	close(fd);
}

int main(void)
{
	int base = fw_test_fd_baseline();

	RUN(test_good_page_imports);
	RUN(test_refused);
	RUN(test_read_only_fd);
	RUN(test_value_backwards);
	RUN(test_garbage_error);
	RUN(test_peer_error_async);
	RUN(test_status_reads_page);
	RUN(test_magic_trashed_after_import);
	RUN(test_page_all_ones);
	RUN(test_wake_word_storm);
	fw_test_fd_check(base);
	return 0;
}
