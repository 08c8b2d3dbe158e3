/*
 * test-scale.c - the library's scale target: 1,000 soft timelines and 10,000
 * pending async waits (fw_loop) in one process.  Signals come from this
 * process and from a child (the cross-process path through the futex_waitv
 * helpers), this program started again.  Every wait must fire exactly once and never early: at callback
 * time its timeline's value is >= its point.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/loop.h>

#include "testlib.h"

enum { TIMELINES = 1000, WAITS = 10000, MAXPOINT = 20 };

struct scale_wait {
	struct fw_timeline *tl;
	uint64_t point;
	int fired;
	int early;
};

static struct fw_timeline *tls[TIMELINES];
static int fds[TIMELINES];
static struct scale_wait waits[WAITS];
static int fired_total;

static void on_fire(struct fw_wait *w, struct fw_fence *fence, void *data)
{
	struct scale_wait *sw = data;
	uint64_t v = 0;

	CHECK_EQ(fw_timeline_query(sw->tl, &v), 0);
	if (v < sw->point)
		sw->early++;
	CHECK_EQ(fw_fence_get_status(fence), FW_FENCE_SIGNALED);
	sw->fired++;
	fired_total++;
}

/* Poll + dispatch until @want waits have fired in total. */
static void run_until(struct fw_loop *loop, int want)
{
	struct pollfd p = { .fd = fw_loop_get_fd(loop), .events = POLLIN };

	while (fired_total < want) {
		CHECK(poll(&p, 1, -1) == 1);
		CHECK(fw_loop_dispatch(loop) >= 0);
	}
	CHECK_EQ(fired_total, want);
}

static int expected_at(const uint64_t *value)
{
	int n = 0;

	for (int i = 0; i < WAITS; i++)
		n += waits[i].point <= value[i % TIMELINES];
	return n;
}

/*
 * Role "signaller": argv is VALUE and then timeline fds; raises each, in
 * that order, to VALUE.
 */
static int signaller(int argc, char **argv)
{
	uint64_t value;

	if (argc < 1)
		return 10;
	value = strtoull(argv[0], NULL, 10);
	for (int k = 1; k < argc; k++) {
		struct fw_timeline *c = NULL;

		if (fw_timeline_import(atoi(argv[k]), &c) < 0)
			return 1;
		if (fw_timeline_signal(c, value) < 0)
			return 2;
		fw_timeline_put(c);
	}
	return 0;
}

/*
 * A child that raises timelines @first to @last - 1 to @value, @order 1
 * ascending, -1 descending: this program started again
 * (fw_test_spawn_role(), tests/sync/testlib.h says why not a fork()).
 */
static pid_t spawn_signaller(int first, int last, uint64_t value, int order)
{
	static char bufs[TIMELINES + 1][24];
	static const char *args[TIMELINES + 3];
	static int pass[TIMELINES];
	int n = 0;

	args[n++] = "signaller";
	snprintf(bufs[TIMELINES], sizeof(bufs[TIMELINES]), "%llu",
		 (unsigned long long)value);
	args[n++] = bufs[TIMELINES];
	for (int k = first; k < last; k++) {
		int i = order > 0 ? k : last - 1 - (k - first);

		pass[k - first] = fds[i];
		snprintf(bufs[k - first], sizeof(bufs[k - first]), "%d",
			 fds[i]);
		args[n++] = bufs[k - first];
	}
	args[n] = NULL;
	return fw_test_spawn_role(args, pass, last - first);
}

static void reap(pid_t pid)
{
	int status;

	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

static const struct fw_test_role roles[] = {
	{"signaller", signaller},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	static uint64_t value[TIMELINES];
	struct rlimit rl;
	struct fw_loop *loop;
	int base;
	pid_t pid;

	fw_test_run_role(argc, argv, roles);
	/* Two fds per timeline here (ours + the export for the child). */
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4 * TIMELINES && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	base = fw_test_fd_baseline();
	fprintf(stderr, "wait path: %s\n",
		fw_sync_using_fallback() ? "fallback" : "futex_waitv");

	loop = fw_loop_create();
	CHECK(loop);
	for (int i = 0; i < TIMELINES; i++) {
		CHECK_EQ(fw_timeline_create("scale", &tls[i]), 0);
		fds[i] = fw_timeline_export_fd(tls[i]);
		CHECK(fds[i] >= 0);
	}
	srand(1234);
	for (int i = 0; i < WAITS; i++) {
		waits[i].tl = tls[i % TIMELINES];
		waits[i].point = 1 + rand() % MAXPOINT;
		CHECK(fw_loop_wait_point(loop, waits[i].tl, waits[i].point,
					 on_fire, &waits[i]));
	}
	/* Nothing signalled yet: nothing to dispatch. */
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	CHECK_EQ(fired_total, 0);

	/* 1. This process raises the first half to 5. */
	for (int i = 0; i < TIMELINES / 2; i++) {
		CHECK_EQ(fw_timeline_signal(tls[i], 5), 0);
		value[i] = 5;
	}
	run_until(loop, expected_at(value));

	/* 2. A child raises the second half to 5 (cross-process). */
	pid = spawn_signaller(TIMELINES / 2, TIMELINES, 5, 1);
	for (int i = TIMELINES / 2; i < TIMELINES; i++)
		value[i] = 5;
	run_until(loop, expected_at(value));
	reap(pid);

	/* 3. A child raises every timeline to 12, in reverse. */
	pid = spawn_signaller(0, TIMELINES, 12, -1);
	for (int i = 0; i < TIMELINES; i++)
		value[i] = 12;
	run_until(loop, expected_at(value));
	reap(pid);

	/* 4. The rest: half here, half from a child, concurrently. */
	pid = spawn_signaller(0, TIMELINES / 2, MAXPOINT, 1);
	for (int i = TIMELINES / 2; i < TIMELINES; i++)
		CHECK_EQ(fw_timeline_signal(tls[i], MAXPOINT), 0);
	run_until(loop, WAITS);
	reap(pid);

	/* Exactly once each, never early; nothing more to dispatch. */
	CHECK_EQ(fw_loop_dispatch(loop), 0);
	for (int i = 0; i < WAITS; i++) {
		CHECK_EQ(waits[i].fired, 1);
		CHECK_EQ(waits[i].early, 0);
	}
	fprintf(stderr, "%d waits on %d timelines fired exactly once\n",
		WAITS, TIMELINES);

	fw_loop_destroy(loop);
	for (int i = 0; i < TIMELINES; i++) {
		close(fds[i]);
		fw_timeline_put(tls[i]);
	}
	fw_test_fd_check(base);
	return 0;
}
