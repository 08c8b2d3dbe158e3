/*
 * test-trace.c - the fence core's trace points (fenceway/trace.h): every
 * event of a fence's life, in order, with its fields; nothing while
 * tracing is off; a full ring counts what it drops.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/sync.h>

#include "fence_impl.h" /* fw_now_ns */
#include "files_test.h"

#define MAX_EVENTS 256

static struct fw_trace_event events[MAX_EVENTS];

/* Drain everything; abort if anything was dropped. */
static size_t drain_all(void)
{
	uint64_t dropped = 1;
	size_t n = fw_trace_drain(events, MAX_EVENTS, &dropped);

	CHECK_EQ(dropped, 0);
	for (size_t i = 1; i < n; i++)
		CHECK(events[i].seq > events[i - 1].seq);
	return n;
}

/* The events of one fence, in order, as a string of type letters. */
static size_t of_fence(size_t n, uint64_t id, struct fw_trace_event *out,
		       char *types)
{
	static const char letter[] = "?CIWSD";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (events[i].fence_id != id)
			continue;
		CHECK(events[i].type >= 1 && events[i].type <= 5);
		types[k] = letter[events[i].type];
		out[k++] = events[i];
	}
	types[k] = '\0';
	return k;
}

/*
 * A whole life: @first (created or imported), waits, one signal, destroyed;
 * every wait before the signal.
 */
static void check_life(const char *types, char first)
{
	size_t len = strlen(types);
	const char *s = strchr(types, 'S');

	if (len < 3 || types[0] != first || types[len - 1] != 'D' || !s ||
	    strchr(s + 1, 'S') || strchr(s, 'W') ||
	    strspn(types + 1, "W") != (size_t)(s - types - 1)) {
		fprintf(stderr, "fence events %s\n", types);
		abort();
	}
}

static void on_signal(struct fw_fence *fence, struct fw_fence_cb *cb)
{
	(void)fence;
	(void)cb;
}

struct waiter {
	struct fw_fence *fence;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = fw_fence_wait(w->fence, -1);
	return NULL;
}

/*
 * A soft timeline point: created, a callback wait, a blocking wait in
 * another thread, signalled by a local signal, destroyed.
 */
static void test_soft_timeline(void)
{
	struct fw_trace_event ev[16];
	struct fw_timeline *tl;
	struct fw_fence *fence;
	struct fw_fence_cb cb;
	struct waiter w = { 0 };
	pthread_t thread;
	char types[16];
	size_t n, k;
	uint64_t id = 0;
	int64_t before, producer, observed;

	CHECK(fw_trace_enable(64) == 0);
	CHECK(fw_trace_enabled());
	drain_all();
	CHECK(fw_timeline_create("trace-tl", &tl) == 0);
	before = fw_now_ns();
	fence = fw_timeline_point_fence(tl, 2);
	CHECK(fence);
	CHECK(fw_fence_add_callback(fence, &cb, on_signal) == 0);
	w.fence = fence;
	CHECK(pthread_create(&thread, NULL, wait_thread, &w) == 0);
	/* Signal only once the other thread is seen waiting. */
	n = 0;
	for (int i = 0; i < 30000; i++) {
		n += fw_trace_drain(events + n, MAX_EVENTS - n, NULL);
		for (size_t j = 0; j < n && !id; j++)
			if (events[j].type == FW_TRACE_WAIT_STARTED &&
			    events[j].wait == FW_TRACE_WAIT_BLOCKING)
				id = events[j].fence_id;
		if (id)
			break;
		ft_sleep_ms(1);
	}
	CHECK(id != 0);
	CHECK(fw_timeline_signal(tl, 2) == 0);
	CHECK(pthread_join(thread, NULL) == 0);
	CHECK_EQ(w.ret, 0);
	CHECK(fw_fence_signal_times(fence, &producer, &observed) == 0);
	fw_fence_put(fence);
	n += fw_trace_drain(events + n, MAX_EVENTS - n, NULL);

	k = of_fence(n, id, ev, types);
	CHECK(strcmp(types, "CWWSD") == 0);
	for (size_t i = 0; i < k; i++) {
		CHECK(strcmp(ev[i].driver, "fenceway-soft") == 0);
		CHECK_EQ(ev[i].seqno, 2);
		CHECK(ev[i].context != 0);
		CHECK_EQ(ev[i].context, ev[0].context);
		CHECK(ev[i].time_ns >= before);
		if (i)
			CHECK(ev[i].time_ns >= ev[i - 1].time_ns);
	}
	CHECK(strcmp(ev[0].timeline, "trace-tl") == 0);
	CHECK_EQ(ev[1].wait, FW_TRACE_WAIT_CALLBACK);
	CHECK_EQ(ev[2].wait, FW_TRACE_WAIT_BLOCKING);
	CHECK(ev[2].tid != ev[0].tid);
	CHECK_EQ(ev[3].status, FW_FENCE_SIGNALED);
	CHECK_EQ(ev[3].signal_ns, observed);
	CHECK_EQ(ev[3].producer_ns, producer);
	CHECK(ev[3].signal_ns >= ev[2].time_ns);
	CHECK(ev[3].signal_ns <= ev[3].time_ns);
	CHECK_EQ(ev[4].timeline[0], '\0');

	/* A failed point: the error is the status. */
	fence = fw_timeline_point_fence(tl, 3);
	CHECK(fw_timeline_set_error(tl, -ENOLINK) == 0);
	fw_fence_put(fence);
	n = drain_all();
	CHECK(n == 3);
	CHECK_EQ(events[1].type, FW_TRACE_FENCE_SIGNALED);
	CHECK_EQ(events[1].status, -ENOLINK);
	CHECK_EQ(events[1].producer_ns, 0);
	fw_timeline_put(tl);
	fw_trace_disable();
}

/*
 * Role "producer": argv is SOCKET, its end of the socket to the test.
 * Sends a sync file of its own timeline, signals it on the test's byte,
 * exits on EOF.
 */
static int producer_main(int argc, char **argv)
{
	struct fw_timeline *tl;
	struct fw_fence *fence;
	char byte = 0;
	int sock, fd;

	CHECK(argc == 1);
	sock = atoi(argv[0]);
	CHECK(fw_timeline_create("producer", &tl) == 0);
	fence = fw_timeline_point_fence(tl, 1);
	fd = fw_sync_file_create(fence);
	CHECK(fd >= 0);
	ft_send_fd(sock, fd);
	CHECK(read(sock, &byte, 1) == 1);
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(read(sock, &byte, 1) == 0);
	return 0;
}

/*
 * A soft sync file from another process (this program started again,
 * fw_test_spawn_role()): imported, waited on, signalled by the library's
 * fd thread, destroyed.  This process's own file gives back its own
 * fence: no import.
 */
static void test_soft_sync_file(void)
{
	struct fw_trace_event ev[16];
	struct fw_timeline *tl;
	struct fw_fence *fence, *own;
	struct fw_fence_cb cb;
	char types[16], sock_arg[16];
	int sv[2], fd, status;
	size_t n;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	snprintf(sock_arg, sizeof(sock_arg), "%d", sv[1]);
	pid = fw_test_spawn_role((const char *[]){"producer", sock_arg, NULL},
				 &sv[1], 1);
	close(sv[1]);
	fd = ft_recv_fd(sv[0]);
	CHECK(fw_trace_enable(64) == 0);
	drain_all();
	fence = fw_sync_file_get_fence(fd);
	CHECK(fence);
	CHECK(fw_fence_add_callback(fence, &cb, on_signal) == 0);
	CHECK(write(sv[0], "s", 1) == 1);
	for (int i = 0; i < 30000 && fw_fence_wait(fence, 0) == -ETIME; i++)
		ft_sleep_ms(1);
	CHECK_EQ(fw_fence_get_status(fence), FW_FENCE_SIGNALED);
	fw_fence_put(fence);
	close(fd);
	close(sv[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/*
	 * The fd thread signals the proxy under a reference of its own: if
	 * ours went first, the last put and its event are that thread's, a
	 * moment later (a liveness bound of 30 s, not a timing).
	 */
	n = drain_all();
	for (int i = 0;
	     i < 30000 &&
	     (n == 0 || events[n - 1].type != FW_TRACE_FENCE_DESTROYED);
	     i++) {
		ft_sleep_ms(1);
		n += fw_trace_drain(events + n, MAX_EVENTS - n, NULL);
	}
	CHECK(n >= 1);
	CHECK_EQ(of_fence(n, events[0].fence_id, ev, types), 4);
	CHECK(strcmp(types, "IWSD") == 0);
	CHECK(strcmp(ev[0].driver, "fenceway-soft") == 0);
	CHECK(strcmp(ev[0].timeline, "fenceway-sync-file") == 0);
	CHECK_EQ(ev[2].status, FW_FENCE_SIGNALED);
	CHECK(ev[2].signal_ns > 0);

	/* Our own file: the same fence comes back, nothing is imported. */
	CHECK(fw_timeline_create("own", &tl) == 0);
	fence = fw_timeline_point_fence(tl, 1);
	fd = fw_sync_file_create(fence);
	CHECK(fd >= 0);
	own = fw_sync_file_get_fence(fd);
	CHECK(own == fence);
	fw_fence_put(own);
	close(fd);
	CHECK(fw_timeline_signal(tl, 1) == 0);
	fw_fence_put(fence);
	fw_timeline_put(tl);
	/* The producer end drops its reference on the fd thread, later. */
	ft_quiesce();
	n = drain_all();
	for (int i = 0; i < 30000 && events[n - 1].type !=
	     FW_TRACE_FENCE_DESTROYED; i++) {
		ft_sleep_ms(1);
		n += fw_trace_drain(events + n, MAX_EVENTS - n, NULL);
	}
	for (size_t i = 0; i < n; i++)
		CHECK(events[i].type != FW_TRACE_FENCE_IMPORTED);
	of_fence(n, events[0].fence_id, ev, types);
	check_life(types, 'C');
	fw_trace_disable();
}

/* Off: a whole life records nothing. */
static void test_off(void)
{
	struct fw_timeline *tl;
	struct fw_fence *fence;
	struct fw_fence_cb cb;
	uint64_t dropped = 1;

	fw_trace_disable();
	CHECK(!fw_trace_enabled());
	fw_trace_drain(events, MAX_EVENTS, NULL);
	CHECK(fw_timeline_create("off", &tl) == 0);
	fence = fw_timeline_point_fence(tl, 1);
	CHECK(fw_fence_add_callback(fence, &cb, on_signal) == 0);
	CHECK(fw_timeline_signal(tl, 1) == 0);
	CHECK(fw_fence_wait(fence, -1) == 0);
	fw_fence_put(fence);
	fw_timeline_put(tl);
	CHECK_EQ(fw_trace_drain(events, MAX_EVENTS, &dropped), 0);
	CHECK_EQ(dropped, 0);
}

/* A thread with a ring of 4 makes 20 events: 4 kept, 16 counted. */
static void *overflow_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		fw_fence_put(fw_fence_create(fw_fence_context_alloc(1), i,
					     "overflow"));
	return NULL;
}

static void test_overflow(void)
{
	pthread_t thread;
	uint64_t dropped = 0;
	size_t n;

	fw_trace_drain(events, MAX_EVENTS, NULL);
	CHECK_EQ(fw_trace_enable(0), -EINVAL);
	CHECK(fw_trace_enable(3) == 0); /* rounded up to 4 */
	CHECK(pthread_create(&thread, NULL, overflow_thread, NULL) == 0);
	CHECK(pthread_join(thread, NULL) == 0);
	fw_trace_disable();
	n = fw_trace_drain(events, MAX_EVENTS, &dropped);
	CHECK_EQ(n, 4);
	CHECK_EQ(dropped, 16);
	CHECK_EQ(events[0].type, FW_TRACE_FENCE_CREATED);
	CHECK_EQ(events[1].type, FW_TRACE_FENCE_DESTROYED);
	CHECK_EQ(events[0].seqno, 0);
	CHECK_EQ(events[3].seqno, 1);
	CHECK(strcmp(events[0].driver, "fenceway") == 0);
	/* Drained, its thread gone: the ring is freed; nothing is left. */
	CHECK_EQ(fw_trace_drain(events, MAX_EVENTS, &dropped), 0);
	CHECK_EQ(dropped, 0);
	CHECK(strcmp(fw_trace_type_name(FW_TRACE_WAIT_STARTED), "wait") == 0);
	CHECK(strcmp(fw_trace_type_name(99), "?") == 0);
}

static const struct fw_test_role roles[] = {
	{"producer", producer_main},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int baseline;

	fw_test_run_role(argc, argv, roles);
	baseline = ft_fd_baseline();

	RUN(test_off);
	RUN(test_soft_timeline);
	RUN(test_soft_sync_file);
	RUN(test_overflow);
	ft_check_no_leak(baseline);
	return 0;
}
