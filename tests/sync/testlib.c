#include <dirent.h>
#include <fcntl.h>
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

/* argv[1] of a child fw_test_spawn_role() starts; argv[2] is its role. */
#define ROLE_ARG "--fw-test-role"

void fw_test_run_role(int argc, char **argv, const struct fw_test_role *roles)
{
	if (argc < 3 || strcmp(argv[1], ROLE_ARG) != 0)
		return;
	for (; roles->name; roles++)
		if (strcmp(roles->name, argv[2]) == 0)
			_exit(roles->run(argc - 3, argv + 3));
	_exit(127);
}

pid_t fw_test_spawn_role(const char *const *args, const int *fds, int nfds)
{
	const char **argv;
	char exe[4096];
	ssize_t len;
	int n = 0;
	pid_t pid;

	/*
	 * The path, not /proc/self/exe itself: under valgrind that is the
	 * tool's binary, while readlink() reports the program it runs.
	 */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(len > 0 && len < (ssize_t)sizeof(exe) - 1);
	exe[len] = '\0';
	while (args[n])
		n++;
	CHECK(n > 0);
	/* Everything the child needs is made before the fork. */
	argv = calloc(n + 3, sizeof(*argv));
	CHECK(argv);
	argv[0] = exe;
	argv[1] = ROLE_ARG;
	memcpy(argv + 2, args, n * sizeof(*argv));
	pid = _Fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < nfds; i++)
			if (fcntl(fds[i], F_SETFD, 0) < 0)
				_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(argv);
	return pid;
}
