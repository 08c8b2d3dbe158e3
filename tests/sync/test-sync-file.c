/*
 * test-sync-file.c - <fenceway/sync_file.h> in one process: create,
 * get_fence, kind; the producer's lifetime (freed on signal, on the last
 * receiver's close); identity of our own files; fd ownership.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>

#include <fenceway/sync_file.h>
#include <fenceway/timeline.h>
#include <fenceway/libsync.h>

#include "fence_impl.h"
#include "files_test.h"

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static struct fw_timeline *new_timeline(const char *name)
{
	struct fw_timeline *tl = NULL;

	CHECK(fw_timeline_create(name, &tl) == 0 && tl);
	return tl;
}

static void test_create_invalid(void)
{
	CHECK(fw_sync_file_create(NULL) == -EINVAL);
}

static void test_soft_roundtrip(void)
{
	struct fw_timeline *tl = new_timeline("roundtrip");
	struct fw_fence *pt = fw_timeline_point_fence(tl, 3), *got;
	int fd = fw_sync_file_create(pt);

	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	CHECK(!readable(fd));
	CHECK(fw_soft_sync_producer_count() == 1);

	/* Our own file: the very same fence, so merges keep its identity. */
	got = fw_sync_file_get_fence(fd);
	CHECK(got == pt);
	CHECK(fw_fence_context(got) == fw_fence_context(pt));
	CHECK(fw_fence_seqno(got) == 3);
	fw_fence_put(got);

	CHECK(fw_timeline_signal(tl, 2) == 0);
	CHECK(!readable(fd));
	CHECK(fw_timeline_signal(tl, 3) == 0);
	CHECK(readable(fd));
	CHECK(fw_fence_get_status(pt) == FW_FENCE_SIGNALED);

	/* Signalled: the producer end goes away, the file stays complete. */
	ft_quiesce();
	CHECK(fw_soft_sync_producer_count() == 0);
	CHECK(fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	got = fw_sync_file_get_fence(fd);
	CHECK(got && got != pt);
	CHECK(fw_fence_get_status(got) == FW_FENCE_SIGNALED);
	{
		/* The file carries when the point was reached (the ring's). */
		int64_t producer = 0;

		CHECK(fw_fence_signal_times(pt, &producer, NULL) == 0);
		CHECK(producer > 0);
		CHECK(fw_fence_timestamp(got) == producer);
	}
	CHECK(strcmp(fw_fence_driver_name(got), "fenceway-soft") == 0);
	fw_fence_put(got);

	close(fd);
	fw_fence_put(pt);
	fw_timeline_put(tl);
}

/*
 * A producer whose fence is signalled in this thread is gone when the
 * signal returns: the signalling thread sends, closes and frees it, and
 * no library thread wakes for it (a compositor signals one release file
 * per frame like this).
 */
static void test_signal_frees_producer_in_thread(void)
{
	enum { N = 64 };
	struct fw_test_tasks before, after;
	long long woken;

	CHECK(fw_test_fd_baseline() >= 0);
	fw_test_tasks_read(&before);
	CHECK(before.n > 0);
	for (int i = 0; i < N; i++) {
		struct fw_fence *f =
			fw_fence_create(fw_fence_context_alloc(1), 1, "z");
		struct fw_fence *got;
		int fd = fw_sync_file_create(f);

		CHECK(fd >= 0);
		CHECK(fw_soft_sync_producer_count() == 1);
		CHECK(!readable(fd));
		CHECK(fw_fence_signal(f, 0) == 0);
		CHECK(fw_soft_sync_producer_count() == 0);
		CHECK(readable(fd));
		got = fw_sync_file_get_fence(fd);
		CHECK(got && got != f);
		CHECK(fw_fence_get_status(got) == FW_FENCE_SIGNALED);
		CHECK(fw_fence_timestamp(got) == fw_fence_timestamp(f));
		fw_fence_put(got);
		close(fd);
		fw_fence_put(f);
	}
	fw_test_tasks_read(&after);
	woken = fw_test_tasks_woken(&before, &after);
	fprintf(stderr, "library threads woke %lld times for %d signals\n",
		woken, N);
	CHECK(woken < N / 4);
}

/*
 * FW_SYNC_FILE_CALLER_SIGNALS: no watch for receivers that leave, so the
 * producer outlives them until the signal, and the signal ends it in the
 * signalling thread.
 */
static void test_caller_signals(void)
{
	struct fw_fence *f = fw_fence_create(fw_fence_context_alloc(1), 1, "c");
	struct fw_fence *got;
	int fd, other, watched;

	CHECK(fw_sync_file_create_flags(f, 1u << 7) == -EINVAL);
	CHECK(fw_sync_file_create_flags(NULL, 0) == -EINVAL);
	fd = fw_sync_file_create_flags(f, FW_SYNC_FILE_CALLER_SIGNALS);
	other = fw_sync_file_create_flags(f, FW_SYNC_FILE_CALLER_SIGNALS);
	watched = fw_sync_file_create(f);
	CHECK(fd >= 0 && other >= 0 && watched >= 0);
	CHECK(fw_sync_file_kind(fd) == FW_SYNC_FILE_SOFT);
	CHECK(fw_soft_sync_producer_count() == 3);
	/*
	 * Both abandoned: the watched producer goes (on the fd thread); the
	 * other stays, as promised, until the signal.
	 */
	close(other);
	close(watched);
	for (int i = 0; i < 30000 && fw_soft_sync_producer_count() != 2; i++)
		ft_sleep_ms(1);
	CHECK(fw_soft_sync_producer_count() == 2);
	CHECK(fw_fence_signal(f, -EIO) == 0);
	CHECK(fw_soft_sync_producer_count() == 0);
	got = fw_sync_file_get_fence(fd);
	CHECK(got && fw_fence_get_status(got) == -EIO);
	fw_fence_put(got);
	close(fd);
	fw_fence_put(f);
}

static void test_already_signalled(void)
{
	struct fw_fence *ok = fw_fence_create(fw_fence_context_alloc(1), 1, "x");
	struct fw_fence *bad = fw_fence_create(fw_fence_context_alloc(1), 1, "y");
	struct fw_fence *got;
	int fd_ok, fd_bad;

	CHECK(fw_fence_signal(ok, 0) == 0);
	CHECK(fw_fence_signal(bad, -EIO) == 0);
	fd_ok = fw_sync_file_create(ok);
	fd_bad = fw_sync_file_create(bad);
	CHECK(fd_ok >= 0 && fd_bad >= 0);
	/* Nothing kept for files that are complete when made. */
	CHECK(fw_soft_sync_producer_count() == 0);
	CHECK(readable(fd_ok) && readable(fd_bad));

	got = fw_sync_file_get_fence(fd_ok);
	CHECK(fw_fence_wait(got, 0) == 0);
	CHECK(fw_fence_get_status(got) == FW_FENCE_SIGNALED);
	CHECK(fw_fence_timestamp(got) == fw_fence_timestamp(ok));
	fw_fence_put(got);
	got = fw_sync_file_get_fence(fd_bad);
	CHECK(fw_fence_wait(got, -1) == 0);
	CHECK(fw_fence_get_status(got) == -EIO);
	fw_fence_put(got);
	CHECK(sync_fence_count_with_status(fd_bad, -1) == 1);

	close(fd_ok);
	close(fd_bad);
	fw_fence_put(ok);
	fw_fence_put(bad);
}

static void test_error_status_travels(void)
{
	struct fw_fence *f = fw_fence_create(fw_fence_context_alloc(1), 7, "err");
	int fd = fw_sync_file_create(f);
	struct sync_file_info *info;

	CHECK(fd >= 0 && !readable(fd));
	CHECK(fw_fence_signal(f, -ETIMEDOUT) == 0);
	CHECK(readable(fd));
	ft_quiesce();
	info = sync_file_info(fd);
	CHECK(info && info->status == -ETIMEDOUT && info->num_fences == 1);
	sync_file_info_free(info);
	close(fd);
	fw_fence_put(f);
}

static void test_timeline_error_travels(void)
{
	struct fw_timeline *tl = new_timeline("failing");
	struct fw_fence *pt = fw_timeline_point_fence(tl, 5);
	int fd = fw_sync_file_create(pt);
	struct sync_file_info *info;

	CHECK(fd >= 0 && !readable(fd));
	/* A failed "GPU job": the timeline's sticky error fails the point. */
	CHECK(fw_timeline_set_error(tl, -EIO) == 0);
	CHECK(readable(fd));
	info = sync_file_info(fd);
	CHECK(info && info->status == -EIO);
	sync_file_info_free(info);
	CHECK(sync_fence_count_with_status(fd, -1) == 1);
	close(fd);
	/* Later points fail at once. */
	fw_fence_put(pt);
	pt = fw_timeline_point_fence(tl, 9);
	fd = fw_sync_file_create(pt);
	CHECK(readable(fd));
	CHECK(sync_fence_count_with_status(fd, -1) == 1);
	close(fd);
	fw_fence_put(pt);
	fw_timeline_put(tl);
}

static void test_independent_files(void)
{
	struct fw_timeline *tl = new_timeline("two");
	struct fw_fence *pt = fw_timeline_point_fence(tl, 1);
	int a = fw_sync_file_create(pt), b = fw_sync_file_create(pt);

	CHECK(a >= 0 && b >= 0 && a != b);
	CHECK(fw_soft_sync_producer_count() == 2);
	/* Closing one receiver frees only its producer. */
	close(a);
	for (int i = 0; i < 30000 && fw_soft_sync_producer_count() != 1; i++)
		ft_sleep_ms(1);
	CHECK(fw_soft_sync_producer_count() == 1);
	CHECK(!fw_fence_is_signaled(pt));
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(readable(b));
	close(b);
	fw_fence_put(pt);
	fw_timeline_put(tl);
}

static void test_abandoned_producer_freed(void)
{
	struct fw_timeline *tl = new_timeline("abandon");
	struct fw_fence *pt = fw_timeline_point_fence(tl, 10);
	int fds[16];

	for (int i = 0; i < 16; i++)
		fds[i] = fw_sync_file_create(pt);
	CHECK(fw_soft_sync_producer_count() == 16);
	CHECK(atomic_load(&pt->refcount) == 17);
	for (int i = 0; i < 16; i++)
		close(fds[i]);
	ft_quiesce();
	/* Every producer dropped its reference and its callback. */
	CHECK(atomic_load(&pt->refcount) == 1);
	CHECK(pt->callbacks == NULL);
	CHECK(fw_timeline_signal(tl, 10) == 0);
	fw_fence_put(pt);
	fw_timeline_put(tl);
}

static void test_merge_identity(void)
{
	struct fw_timeline *a = new_timeline("a"), *b = new_timeline("b");
	struct fw_fence *pa = fw_timeline_point_fence(a, 1);
	struct fw_fence *pb = fw_timeline_point_fence(b, 1);
	struct fw_fence *pa2 = fw_timeline_point_fence(a, 2);
	int fa = fw_sync_file_create(pa), fb = fw_sync_file_create(pb);
	int fa2 = fw_sync_file_create(pa2);
	int m1 = sync_merge("m1", fa, fb), m2;
	struct fw_fence *merged;

	CHECK(m1 >= 0);
	merged = fw_sync_file_get_fence(m1);
	CHECK(fw_fence_num_points(merged) == 2);
	fw_fence_put(merged);
	/* A later point of a timeline replaces the earlier one. */
	m2 = sync_merge("m2", m1, fa2);
	CHECK(sync_fence_size(m2) == 2);
	merged = fw_sync_file_get_fence(m2);
	for (size_t i = 0; i < 2; i++) {
		struct fw_fence *p = fw_fence_point(merged, i);

		CHECK(p == pa2 || p == pb);
	}
	fw_fence_put(merged);
	CHECK(fw_timeline_signal(a, 2) == 0);
	CHECK(!readable(m2) && readable(fa2));
	CHECK(fw_timeline_signal(b, 1) == 0);
	CHECK(readable(m2) && readable(m1));

	close(m2);
	close(m1);
	close(fa2);
	close(fb);
	close(fa);
	fw_fence_put(pa2);
	fw_fence_put(pb);
	fw_fence_put(pa);
	fw_timeline_put(b);
	fw_timeline_put(a);
}

static void test_receiver_shutdown_own(void)
{
	struct fw_timeline *tl = new_timeline("shut");
	struct fw_fence *pt = fw_timeline_point_fence(tl, 1);
	int spoilt = fw_sync_file_create(pt), good = fw_sync_file_create(pt);
	struct sync_file_info *info;

	CHECK(shutdown(spoilt, SHUT_RDWR) == 0);
	/* Its own copy reads end-of-file: signalled with -EPIPE. */
	CHECK(readable(spoilt));
	for (int i = 0; i < 30000 && fw_soft_sync_producer_count() != 1; i++)
		ft_sleep_ms(1);
	CHECK(fw_soft_sync_producer_count() == 1);
	info = sync_file_info(spoilt);
	CHECK(info && info->status == -EPIPE);
	sync_file_info_free(info);
	/* The fence and the other file are untouched. */
	CHECK(!fw_fence_is_signaled(pt));
	CHECK(!readable(good));
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(readable(good));
	info = sync_file_info(good);
	CHECK(info && info->status == 1);
	sync_file_info_free(info);
	close(good);
	close(spoilt);
	fw_fence_put(pt);
	fw_timeline_put(tl);
}

static void test_get_fence_refuses(void)
{
	int pfd[2], sv[2], efd = eventfd(0, EFD_CLOEXEC);
	int tl = sw_sync_timeline_create();
	int bad[] = { -1, 0, 0, 0, 0, 0 };

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	bad[1] = pfd[0];
	bad[2] = pfd[1];
	bad[3] = efd;
	bad[4] = sv[0];
	bad[5] = tl;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(fw_sync_file_get_fence(bad[i]) == NULL);
		CHECK(errno == (bad[i] < 0 ? EBADF : EINVAL));
		errno = 1234;
		CHECK(fw_sync_file_kind(bad[i]) == FW_SYNC_FILE_NONE);
		CHECK(errno == 1234); /* never touched */
	}
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
	close(efd);
	sw_sync_timeline_destroy(tl);
}

static void test_message_roundtrip(void)
{
	/* The encoder and decoder agree, and the decoder checks lengths. */
	struct fw_timeline *a = new_timeline("tl-a"), *b = new_timeline("tl-b");
	struct fw_fence *parts[2] = { fw_timeline_point_fence(a, 1),
				      fw_timeline_point_fence(b, 1) };
	struct fw_fence *m = fw_fence_merge(parts, 2);
	char *buf = malloc(FW_SOFT_SYNC_MSG_MAX);
	struct fw_soft_sync_view view;
	size_t len;

	CHECK(fw_timeline_signal(a, 1) == 0 && fw_timeline_signal(b, 1) == 0);
	CHECK(fw_fence_is_signaled(m));
	len = fw_soft_sync_msg_encode(m, "merged-name", buf);
	CHECK(len == 56 + 2 * 80);
	CHECK(fw_soft_sync_msg_decode(buf, len, false, &view) == 0);
	CHECK(view.status == 1 && view.num_points == 2);
	CHECK(strcmp(view.name, "merged-name") == 0);
	CHECK(view.timestamp_ns == fw_fence_timestamp(m));
	CHECK(strcmp(view.points[0].obj_name, "tl-a") == 0 ||
	      strcmp(view.points[0].obj_name, "tl-b") == 0);
	CHECK(strcmp(view.points[1].driver_name, "fenceway-soft") == 0);
	fw_soft_sync_view_release(&view);
	CHECK(fw_soft_sync_msg_decode(buf, len - 1, false, &view) == -EPROTO);
	CHECK(fw_soft_sync_msg_decode(buf, len, true, &view) == -EPROTO);
	CHECK(fw_soft_sync_msg_decode(buf, 10, false, &view) == -EPROTO);
	free(buf);
	fw_fence_put(m);
	fw_fence_put(parts[0]);
	fw_fence_put(parts[1]);
	fw_timeline_put(a);
	fw_timeline_put(b);
}

/* More points than a message carries: the first 256 go out, still valid. */
static void test_message_many_points(void)
{
	enum { N = 300 };
	struct fw_fence *parts[N], *m;
	struct fw_soft_sync_view view;
	int fd;

	for (int i = 0; i < N; i++)
		parts[i] = fw_fence_create(fw_fence_context_alloc(1), 1, "many");
	m = fw_fence_merge(parts, N);
	CHECK(m && fw_fence_num_points(m) == N);
	fd = fw_sync_file_create(m);
	CHECK(fd >= 0);
	for (int i = 0; i < N; i++)
		CHECK(fw_fence_signal(parts[i], 0) == 0);
	CHECK(fw_fence_is_signaled(m) && readable(fd));
	ft_quiesce(); /* the producer is gone: read the message itself */
	CHECK(fw_soft_sync_file_peek(fd, &view) == 0);
	CHECK(view.status == 1 && view.num_points == FW_SOFT_SYNC_MAX_POINTS);
	for (uint32_t i = 0; i < view.num_points; i++)
		CHECK(view.points[i].status == 1);
	fw_soft_sync_view_release(&view);
	close(fd);
	fw_fence_put(m);
	for (int i = 0; i < N; i++)
		fw_fence_put(parts[i]);
}

/*
 * Races between the ways a producer ends: threads signal, close and shut
 * down files of one timeline at once while another thread forks children
 * that must inherit no producer end.  Afterwards nothing is left over.
 */
struct churn {
	struct fw_timeline *tl;
	int id;
	atomic_bool *stop;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned seed = c->id;

	for (int i = 0; i < 2000; i++) {
		uint64_t now = 0, point;
		struct fw_fence *pt;
		int fd, fd2;

		CHECK(fw_timeline_query(c->tl, &now) == 0);
		point = now + 1 + rand_r(&seed) % 3;
		pt = fw_timeline_point_fence(c->tl, point);
		fd = fw_sync_file_create(pt);
		fd2 = fw_sync_file_create(pt);
		CHECK(fd >= 0 && fd2 >= 0);
		switch (rand_r(&seed) % 4) {
		case 0: /* abandoned before the signal */
			close(fd);
			close(fd2);
			fw_timeline_signal(c->tl, point);
			break;
		case 1: /* signalled, then closed */
			fw_timeline_signal(c->tl, point);
			CHECK(readable(fd) && readable(fd2));
			close(fd);
			close(fd2);
			break;
		case 2: /* one copy shut down, the other signalled */
			shutdown(fd, SHUT_RDWR);
			fw_timeline_signal(c->tl, point);
			CHECK(readable(fd2));
			CHECK(sync_fence_count_with_status(fd2, 1) == 1);
			close(fd);
			close(fd2);
			break;
		default: /* closed while another thread signals */
			close(fd2);
			fw_timeline_signal(c->tl, point);
			close(fd);
			break;
		}
		fw_fence_put(pt);
	}
	return NULL;
}

static void *fork_thread(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(c->stop)) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0)
			_exit(ft_has_producer_end());
		CHECK(ft_child_ok(pid));
	}
	return NULL;
}

static void test_churn(void)
{
	struct fw_timeline *tl = new_timeline("churn");
	atomic_bool stop = false;
	struct churn c[5];
	pthread_t t[5];

	for (int i = 0; i < 5; i++) {
		c[i] = (struct churn){ .tl = tl, .id = i + 1, .stop = &stop };
		CHECK(pthread_create(&t[i], NULL,
				     i == 4 ? fork_thread : churn_thread,
				     &c[i]) == 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop, true);
	pthread_join(t[4], NULL);
	ft_quiesce();
	fw_timeline_put(tl);
}

static void test_fd_ownership(void)
{
	int base = ft_fd_baseline();

	for (int i = 0; i < 3; i++) {
		/* Each starts with the producers of the last one freed. */
		ft_quiesce();
		test_soft_roundtrip();
		test_already_signalled();
		test_error_status_travels();
		test_timeline_error_travels();
		ft_quiesce();
		test_independent_files();
		ft_quiesce();
		test_abandoned_producer_freed();
		test_merge_identity();
		ft_quiesce();
		test_receiver_shutdown_own();
		test_get_fence_refuses();
		test_message_roundtrip();
		test_message_many_points();
	}
	test_churn();
	ft_check_no_leak(base);
}

/* Every test starts with the producers of the one before freed. */
#undef RUN
#define RUN(test) do { \
	ft_quiesce(); \
	fprintf(stderr, "== %s\n", #test); \
	test(); \
} while (0)

int main(void)
{
	RUN(test_create_invalid);
	RUN(test_soft_roundtrip);
	RUN(test_signal_frees_producer_in_thread);
	RUN(test_caller_signals);
	RUN(test_already_signalled);
	RUN(test_error_status_travels);
	RUN(test_timeline_error_travels);
	RUN(test_independent_files);
	RUN(test_abandoned_producer_freed);
	RUN(test_merge_identity);
	RUN(test_receiver_shutdown_own);
	RUN(test_get_fence_refuses);
	RUN(test_message_roundtrip);
	RUN(test_message_many_points);
	RUN(test_fd_ownership);
	return 0;
}
