#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "soft_timeline.h"
#include "testlib.h"

int fw_test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

int fw_test_fd_baseline(void)
{
	CHECK_EQ(fw_sync_debug_start_threads(), 0);
	return fw_test_count_fds();
}

void fw_test_fd_check(int baseline)
{
	CHECK_EQ(fw_sync_debug_quiesce(5000000000LL), 0);
	CHECK_EQ(fw_test_count_fds(), baseline);
}

static long long task_switches(long tid)
{
	char path[64], line[128];
	long long v = 0, sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1; /* exited */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

void fw_test_tasks_read(struct fw_test_tasks *t)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	CHECK(d);
	t->n = 0;
	while ((e = readdir(d))) {
		long tid = atol(e->d_name);

		if (tid <= 0 || tid == getpid())
			continue;
		CHECK(t->n < 4096);
		t->tid[t->n] = tid;
		t->switches[t->n++] = task_switches(tid);
	}
	closedir(d);
}

long long fw_test_tasks_woken(const struct fw_test_tasks *before,
			      const struct fw_test_tasks *after)
{
	long long sum = 0;

	for (int i = 0; i < before->n; i++)
		for (int j = 0; j < after->n; j++)
			if (after->tid[j] == before->tid[i] &&
			    after->switches[j] >= 0 && before->switches[i] >= 0)
				sum += after->switches[j] - before->switches[i];
	return sum;
}
