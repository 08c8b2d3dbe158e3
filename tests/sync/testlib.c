#include <dirent.h>
#include <stdint.h>

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
