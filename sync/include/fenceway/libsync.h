/*
 * fenceway/libsync.h - the helper API of the kernel's sync selftests
 * (tools/testing/selftests/sync: sw_sync.h and sync.h), on fenceway's soft
 * backend, so code written for the kernel's sw_sync runs unchanged.
 *
 * Conventions follow those selftests, not the rest of fenceway: functions
 * return -1 with errno set on failure.  (Android's libsync differs: there
 * sync_wait returns 0/-1.)  "Sync file" means a kernel sync_file or a soft
 * one; any other fd is refused with EINVAL.
 *
 * A timeline fd from sw_sync_timeline_create() is a soft timeline memfd: the
 * very fd a client imports into fenceway with
 * wp_linux_drm_syncobj_manager_v1.import_timeline.
 */
#ifndef FENCEWAY_LIBSYNC_H
#define FENCEWAY_LIBSYNC_H

#include <stdint.h>
#include <linux/sync_file.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new soft timeline fd (owned by the caller), or -1. */
int sw_sync_timeline_create(void);
/* 1 if @fd is an open soft timeline, else 0. */
int sw_sync_timeline_is_valid(int fd);
/*
 * Advance soft timeline @fd by @count.  The fences this process created on
 * it are signalled before this returns.  0, or -1 (EINVAL for other fds,
 * EACCES for a timeline fd not opened read-write).
 */
int sw_sync_timeline_inc(int fd, unsigned count);
/*
 * Close soft timeline @fd.  The pending fences this process created on that
 * timeline (matched by inode) signal with -ENOENT; the shared page is not
 * touched.  A plain close() is not detected.  A read-only @fd is only
 * closed: failing fences takes write access.
 */
void sw_sync_timeline_destroy(int fd);

/*
 * A sync file (owned by the caller) that signals when timeline @tl reaches
 * @value; @name is the fence's name.  -1 on error (EACCES: @tl not opened
 * read-write).
 */
int sw_sync_fence_create(int tl, const char *name, unsigned value);
/* 1 if @fd is an open sync file, else 0. */
int sw_sync_fence_is_valid(int fd);
/* Closes sync file @fd. */
void sw_sync_fence_destroy(int fd);

/*
 * Wait for sync file @fd: > 0 once signalled (also with an error, as poll),
 * 0 on timeout (@timeout_ms < 0 waits forever), -1 on error.
 */
int sync_wait(int fd, int timeout_ms);
/*
 * A new sync file (caller owns) that signals when both have.  Two kernel
 * sync files give a kernel sync_file (SYNC_IOC_MERGE); any soft part gives a
 * soft one.  @fd1/@fd2 are borrowed.  -1 on error.
 */
int sync_merge(const char *name, int fd1, int fd2);
/* Number of points in sync file @fd, 0 on error. */
int sync_fence_size(int fd);
/*
 * Points of @fd whose status is @status: 1 signalled, 0 active, -1 any
 * error.  -1 on error.
 */
int sync_fence_count_with_status(int fd, int status);
/*
 * The kernel's struct sync_file_info for @fd with its sync_fence_info array
 * in the same allocation (info->sync_fence_info points behind it); free with
 * sync_file_info_free().  NULL with errno on error.
 */
struct sync_file_info *sync_file_info(int fd);
void sync_file_info_free(struct sync_file_info *info);

#ifdef __cplusplus
}
#endif
#endif
