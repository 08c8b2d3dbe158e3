/*
 * test-signal-times.c - producer signal times of soft timelines: the
 * signal-time ring in the page (docs/soft-timeline-abi.md), the fence's
 * producer and observed times, sync_file_info's timestamp_ns; and a peer
 * that writes junk into the ring: no crash, times clamped.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/libsync.h>
#include <fenceway/sync.h>

#include "fence_impl.h" /* fw_now_ns */
#include "soft_timeline.h"
#include "testlib.h"

static struct fw_soft_page *map_page(int fd)
{
	void *p = mmap(NULL, FW_SOFT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* A timeline and a writable mapping of its page, as a peer has it. */
struct peer {
	struct fw_timeline *tl;
	int fd;
	struct fw_soft_page *page;
};

static void peer_open(struct peer *p, const char *name)
{
	CHECK(fw_timeline_create(name, &p->tl) == 0);
	p->fd = fw_timeline_export_fd(p->tl);
	CHECK(p->fd >= 0);
	p->page = map_page(p->fd);
}

static void peer_close(struct peer *p)
{
	munmap(p->page, FW_SOFT_PAGE_SIZE);
	close(p->fd);
	fw_timeline_put(p->tl);
}

/* The creator announces the ring; a local signal leaves (value, time). */
static void test_local_signal(void)
{
	struct peer p;
	struct fw_fence *fence;
	int64_t t0, t1, producer, observed;
	const struct fw_soft_signal_slot *slot;

	peer_open(&p, "local");
	CHECK_EQ(p.page->flags, FW_SOFT_FLAG_SIGNAL_TIMES);
	CHECK_EQ(p.page->ring.slots, FW_SOFT_RING_SLOTS);
	CHECK_EQ(atomic_load(&p.page->ring.head), 0);
	fence = fw_timeline_point_fence(p.tl, 5);
	CHECK_EQ(fw_fence_signal_times(fence, &producer, &observed), -EBUSY);
	CHECK_EQ(producer, 0);
	CHECK_EQ(observed, 0);
	t0 = fw_now_ns();
	CHECK(fw_timeline_signal(p.tl, 5) == 0);
	t1 = fw_now_ns();
	CHECK_EQ(atomic_load(&p.page->ring.head), 1);
	slot = &p.page->ring.slot[0];
	CHECK_EQ(atomic_load(&slot->seq), 2);
	CHECK_EQ(atomic_load(&slot->value), 5);
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	CHECK_EQ(producer, atomic_load(&slot->time_ns));
	CHECK(t0 <= producer && producer <= observed && observed <= t1);
	CHECK_EQ(fw_fence_timestamp(fence), observed);
	fw_fence_put(fence);

	/* A signal that raises nothing leaves nothing. */
	CHECK(fw_timeline_signal(p.tl, 4) == 0);
	CHECK_EQ(atomic_load(&p.page->ring.head), 1);
	/* A point already reached when made knows its time as well. */
	fence = fw_timeline_point_fence(p.tl, 3);
	CHECK(fw_fence_signal_times(fence, &producer, NULL) == 0);
	CHECK_EQ(producer, atomic_load(&slot->time_ns));
	fw_fence_put(fence);
	CHECK_EQ(fw_fence_signal_times(NULL, NULL, NULL), -EINVAL);
	peer_close(&p);
}

/*
 * The ring holds 32 signals: a point reached by the 1st of 40 is not
 * known any more (the ring no longer reaches back), the 40th is.
 */
static void test_wrap(void)
{
	struct peer p;
	struct fw_fence *old, *recent;
	int64_t producer, observed;

	peer_open(&p, "wrap");
	old = fw_timeline_point_fence(p.tl, 1);
	recent = fw_timeline_point_fence(p.tl, 40);
	/* Keep the first point pending until the ring has moved on. */
	for (int i = 0; i < 40; i++)
		CHECK(fw_soft_timeline_advance(p.tl, 1, NULL) == 0);
	CHECK_EQ(atomic_load(&p.page->ring.head), 40);
	CHECK(fw_fence_signal_times(recent, &producer, &observed) == 0);
	CHECK(producer > 0 && producer <= observed);
	CHECK(fw_fence_signal_times(old, &producer, &observed) == 0);
	/* Signalled by the first advance, while the ring still knew. */
	CHECK(producer > 0 && producer <= observed);
	fw_fence_put(old);
	fw_fence_put(recent);
	/* Asked only now, point 2 lies before what the ring remembers. */
	CHECK_EQ(fw_soft_page_signal_time(p.page, 2), 0);
	CHECK(fw_soft_page_signal_time(p.page, 40) > 0);
	CHECK_EQ(fw_soft_page_signal_time(p.page, 41), 0);
	peer_close(&p);
}

/* Role "signal": argv is TIMELINE, an fd; signals 7. */
static int signal_child(int argc, char **argv)
{
	struct fw_timeline *tl = NULL;

	if (argc != 1 || fw_timeline_import(atoi(argv[0]), &tl) < 0)
		return 2;
	return fw_timeline_signal(tl, 7) == 0 ? 0 : 1;
}

/*
 * Another process (this program started again, fw_test_spawn_role())
 * signals: we learn its time, which precedes ours.
 */
static void test_other_process(void)
{
	struct peer p;
	struct fw_fence *fence;
	int64_t producer, observed;
	char fd_arg[16];
	int status;
	pid_t pid;

	peer_open(&p, "xproc");
	fence = fw_timeline_point_fence(p.tl, 7);
	snprintf(fd_arg, sizeof(fd_arg), "%d", p.fd);
	pid = fw_test_spawn_role((const char *[]){"signal", fd_arg, NULL},
				 &p.fd, 1);
	CHECK(fw_fence_wait(fence, -1) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	CHECK_EQ(producer, atomic_load(&p.page->ring.slot[0].time_ns));
	CHECK(producer > 0 && producer <= observed);
	fw_fence_put(fence);
	peer_close(&p);
}

/* libsync: timestamp_ns is 0 while active, the producer's time after. */
static void test_sync_file_info(void)
{
	struct sync_file_info *info;
	struct sync_fence_info *pts;
	struct fw_soft_page *page;
	int swtl, fd;

	swtl = sw_sync_timeline_create();
	CHECK(swtl >= 0);
	page = map_page(swtl);
	fd = sw_sync_fence_create(swtl, "info", 1);
	CHECK(fd >= 0);
	info = sync_file_info(fd);
	CHECK(info && info->num_fences == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK_EQ(pts[0].status, 0);
	CHECK_EQ(pts[0].timestamp_ns, 0);
	sync_file_info_free(info);
	CHECK(sw_sync_timeline_inc(swtl, 1) == 0);
	info = sync_file_info(fd);
	CHECK(info && info->num_fences == 1);
	pts = (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
	CHECK_EQ(pts[0].status, 1);
	CHECK_EQ(pts[0].timestamp_ns,
		 atomic_load(&page->ring.slot[0].time_ns));
	sync_file_info_free(info);
	sw_sync_fence_destroy(fd);
	munmap(page, FW_SOFT_PAGE_SIZE);
	sw_sync_timeline_destroy(swtl);
}

/*
 * A page made to the letter of version 1 without the ring (flags 0): it
 * imports, signals, and its reserved area stays untouched; the producer
 * time is unknown, sync_file_info reports when we saw the signal.
 */
static void test_page_without_ring(void)
{
	struct fw_soft_page hdr = { 0 };
	struct fw_timeline *tl = NULL;
	struct fw_fence *fence;
	int64_t producer, observed;
	unsigned char reserved[FW_SOFT_PAGE_SIZE - 64];
	int fd = memfd_create("plain", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, FW_SOFT_PAGE_SIZE), 0);
	hdr.magic = FW_SOFT_PAGE_MAGIC;
	hdr.version = FW_SOFT_PAGE_VERSION;
	hdr.size = FW_SOFT_PAGE_SIZE;
	CHECK_EQ(pwrite(fd, &hdr, 64, 0), 64);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, FW_SOFT_REQUIRED_SEALS), 0);
	CHECK_EQ(fw_timeline_import(fd, &tl), 0);
	fence = fw_timeline_point_fence(tl, 1);
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	CHECK_EQ(producer, 0);
	CHECK(observed > 0);
	CHECK_EQ(pread(fd, reserved, sizeof(reserved), 64),
		 (ssize_t)sizeof(reserved));
	for (size_t i = 0; i < sizeof(reserved); i++)
		CHECK_EQ(reserved[i], 0);
	fw_fence_put(fence);
	fw_timeline_put(tl);
	close(fd);
}

/* Signal @point as a peer would: through the page, the ring as given. */
static void peer_reach(struct peer *p, struct fw_fence *fence, uint64_t point)
{
	atomic_store(&p->page->value, point);
	CHECK_EQ(fw_fence_get_status(fence), FW_FENCE_SIGNALED);
}

static void put_slot(struct fw_soft_page *page, uint32_t ticket, uint32_t seq,
		     uint64_t value, int64_t time_ns)
{
	struct fw_soft_signal_slot *slot =
		&page->ring.slot[ticket % FW_SOFT_RING_SLOTS];

	atomic_store(&slot->seq, seq);
	atomic_store(&slot->value, value);
	atomic_store(&slot->time_ns, time_ns);
}

/* The ring says one thing about point 1; the fence's times, checked. */
static void expect_claim(void (*write)(struct fw_soft_page *page),
			 int64_t want)
{
	struct peer p;
	struct fw_fence *fence;
	int64_t producer, observed;

	peer_open(&p, "hostile");
	fence = fw_timeline_point_fence(p.tl, 1);
	write(p.page);
	peer_reach(&p, fence, 1);
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	if (want < 0)  /* clamped to the observed time */
		CHECK_EQ(producer, observed);
	else
		CHECK_EQ(producer, want);
	fw_fence_put(fence);
	peer_close(&p);
}

static void future_time(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 2, 1, INT64_MAX);
}

static void negative_time(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 2, 1, -5);
}

static void torn_write(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 1, 1, 1000);
}

static void wrong_ticket(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 66, 1, 1000);
}

static void flag_cleared(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 2, 1, 1000);
	page->flags = 0;
}

static void slots_changed(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 1);
	put_slot(page, 0, 2, 1, 1000);
	page->ring.slots = 4096;
}

/* Tickets around 2^31: the seq words (2 * ticket + 2) wrap. */
#define FAR_TICKET 0x7ffffff0u

static void head_far_away(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, FAR_TICKET + FW_SOFT_RING_SLOTS);
	for (uint32_t t = FAR_TICKET; t != FAR_TICKET + FW_SOFT_RING_SLOTS; t++)
		put_slot(page, t, 2 * t + 2, t == FAR_TICKET ? 0 : 1,
			 1000 + (int64_t)(t & 0xff));
}

static void honest(struct fw_soft_page *page)
{
	atomic_store(&page->ring.head, 2);
	put_slot(page, 0, 2, 1, 2000);
	put_slot(page, 1, 4, 2, 1500);
}

static void test_hostile_ring(void)
{
	expect_claim(future_time, -1);
	expect_claim(negative_time, 0);
	expect_claim(torn_write, 0);
	expect_claim(wrong_ticket, 0);
	expect_claim(flag_cleared, 0);
	expect_claim(slots_changed, 0);
	/* The oldest ticket holds value 0 < 1: the ring reaches back. */
	expect_claim(head_far_away, 1000);
	/* The earliest entry at or above the point wins. */
	expect_claim(honest, 1500);
}

/* Random pages: the reader stays in bounds and returns 0 or a time. */
static void test_random_pages(void)
{
	struct fw_soft_page *page = malloc(FW_SOFT_PAGE_SIZE);
	unsigned int seed = 12345;

	CHECK(page);
	for (int round = 0; round < 20000; round++) {
		unsigned char *b = (unsigned char *)page;

		for (size_t i = 0; i < FW_SOFT_PAGE_SIZE; i++)
			b[i] = (unsigned char)rand_r(&seed);
		/* Often a plausible header, so the slots are really read. */
		if (round % 2) {
			page->flags = FW_SOFT_FLAG_SIGNAL_TIMES;
			page->ring.slots = FW_SOFT_RING_SLOTS;
			if (round % 4 == 1)
				atomic_store(&page->ring.head,
					     (uint32_t)rand_r(&seed) % 64);
			for (uint32_t t = 0; t < FW_SOFT_RING_SLOTS &&
			     round % 8 == 1; t++)
				atomic_store(&page->ring.slot[t].seq,
					     2 * t + 2);
		}
		CHECK(fw_soft_page_signal_time(page, (uint64_t)round) >= 0);
	}
	free(page);
}

static const struct fw_test_role roles[] = {
	{"signal", signal_child},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int baseline;

	fw_test_run_role(argc, argv, roles);
	baseline = fw_test_fd_baseline();

	RUN(test_local_signal);
	RUN(test_wrap);
	RUN(test_other_process);
	RUN(test_sync_file_info);
	RUN(test_page_without_ring);
	RUN(test_hostile_ring);
	RUN(test_random_pages);
	fw_test_fd_check(baseline);
	return 0;
}
