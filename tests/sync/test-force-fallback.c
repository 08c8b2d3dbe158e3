/*
 * test-force-fallback.c - fw_sync_force_fallback() before any timeline:
 * the switch latches with the first timeline and then refuses to change;
 * the forced path still delivers another process's signal.
 * Run with FENCEWAY_SYNC_FORCE_FALLBACK unset (meson does).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fenceway/timeline.h>

#include "testlib.h"

int main(void)
{
	struct fw_timeline *tl = NULL;
	struct fw_fence *f;
	int status;
	pid_t pid;

	unsetenv("FENCEWAY_SYNC_FORCE_FALLBACK");
	/* Before any timeline: may be set, and set again. */
	CHECK_EQ(fw_sync_force_fallback(false), 0);
	CHECK_EQ(fw_sync_force_fallback(true), 0);
	CHECK_EQ(fw_timeline_create("forced", &tl), 0);
	/* Latched now. */
	CHECK(fw_sync_using_fallback());
	CHECK_EQ(fw_sync_force_fallback(false), -EBUSY);
	CHECK_EQ(fw_sync_force_fallback(true), 0);

	f = fw_timeline_point_fence(tl, 4);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(10000);
		_exit(fw_timeline_signal(tl, 4) == 0 ? 0 : 1);
	}
	CHECK_EQ(fw_fence_wait(f, -1), 0);
	CHECK_EQ(fw_fence_get_status(f), FW_FENCE_SIGNALED);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fw_fence_put(f);
	fw_timeline_put(tl);
	return 0;
}
