/*
 * fenceway/libsync.h - the helper API of the kernel's sync selftests
 * (tools/testing/selftests/sync: sw_sync.h and sync.h), on fenceway's soft
 * backend, so code written for the kernel's sw_sync runs unchanged.
 *
 * Conventions follow those selftests, not the rest of fenceway: functions
 * return -1 with errno set on failure.  "Sync file" means a kernel sync_file
 * or a soft one; any other fd is refused with EINVAL.
 *
 * Also here: the rest of what AOSP's libsync exports -- its legacy info API
 * (sync_fence_info(), sync_pt_info(), sync_fence_info_free()) and the NDK's
 * sync_get_fence_info().  One name differs in meaning between the two:
 * sync_wait() here follows the kernel selftests (poll's > 0 / 0); code
 * written for Android, where sync_wait returns 0 or -1 with errno ETIME on
 * timeout, includes <fenceway/android/sync.h> instead of (or after) this
 * header.  docs/libsync.md says which header to include.
 *
 * A timeline fd from sw_sync_timeline_create() is a soft timeline memfd: the
 * very fd a client imports into fenceway with
 * wp_linux_drm_syncobj_manager_v1.import_timeline.
 *
 * CLOSING A TIMELINE: with the kernel's sw_sync, closing the last fd of a
 * timeline fails its pending fences with -ENOENT.  A soft timeline cannot
 * see a plain close(): this process's pending fences on it then stay
 * pending FOREVER (and so does every sync file made from them, in every
 * process).  Close timelines with sw_sync_timeline_destroy(), which fails
 * them as the kernel does, or put the timeline in error
 * (fw_timeline_set_error(), fenceway/timeline.h), which fails every
 * process's pending points.
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
 * touched.  A read-only @fd is only closed: failing fences takes write
 * access.  Use this, not close(): a plain close() is not detected and
 * leaves this process's pending fences on the timeline pending forever
 * (the kernel's sw_sync would fail them with -ENOENT).
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

/* The array of @info's fence infos (the NDK's accessor; owned by @info). */
static inline struct sync_fence_info *
sync_get_fence_info(const struct sync_file_info *info)
{
	return (struct sync_fence_info *)(uintptr_t)info->sync_fence_info;
}

/*
 * AOSP libsync's legacy info API, same layout and meaning as AOSP's: one
 * allocation of @len bytes, a struct sync_fence_info_data followed by its
 * points as struct sync_pt_info records of @len bytes each (walk them with
 * sync_pt_info()).  Statuses: 1 signalled, 0 active, < 0 the error;
 * timestamp_ns is 0 while a point is active (CLOCK_MONOTONIC ns once it
 * signalled).  Built from sync_file_info(), as AOSP builds it on kernels
 * with the mainline sync_file uapi.
 */
struct sync_fence_info_data {
	uint32_t len; /* bytes, this header and all points */
	char name[32];
	int32_t status;
	uint8_t pt_info[]; /* struct sync_pt_info records */
};

struct sync_pt_info {
	uint32_t len; /* bytes of this record */
	char obj_name[32];
	char driver_name[32];
	int32_t status;
	uint64_t timestamp_ns;
	uint8_t driver_data[]; /* none: fenceway reports no driver data */
};

/*
 * Information on sync file @fd (caller frees it with
 * sync_fence_info_free()), or NULL with errno (EINVAL: not a sync file,
 * EBADF, ENOMEM).
 */
struct sync_fence_info_data *sync_fence_info(int fd);
/*
 * The point after @itr in @info (borrowed from @info), the first one for
 * @itr NULL; NULL after the last.
 */
struct sync_pt_info *sync_pt_info(struct sync_fence_info_data *info,
				  struct sync_pt_info *itr);
void sync_fence_info_free(struct sync_fence_info_data *info);

#ifdef __cplusplus
}
#endif
#endif
