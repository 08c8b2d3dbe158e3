/*
 * fenceway/android/sync.h - AOSP libsync's contract, for code written for
 * Android (<android/sync.h>, <sync/sync.h>, <sw_sync.h>).
 *
 * Everything of <fenceway/libsync.h>, with one difference: sync_wait() here
 * is Android's -- 0 once the sync file signalled (also with an error, as on
 * Android: read the status with sync_file_info() or sync_fence_info()), -1
 * with errno ETIME on timeout, -1 with errno EINVAL for a negative, closed
 * or non-sync-file fd.  @timeout_ms < 0 waits forever.  The kernel
 * selftests' sync_wait (poll's > 0 / 0) is <fenceway/libsync.h>'s; one
 * symbol cannot serve both, so this header maps the name sync_wait to
 * fw_android_sync_wait() in every file that includes it, whatever else the
 * file includes.
 *
 * The legacy info API (sync_fence_info() and friends) and the rest are the
 * same functions as in <fenceway/libsync.h>, so are its caveats -- notably:
 * close() of a soft timeline fd does not fail its pending fences, as the
 * kernel's sw_sync does; sw_sync_timeline_destroy() does.
 */
#ifndef FENCEWAY_ANDROID_SYNC_H
#define FENCEWAY_ANDROID_SYNC_H

#include <fenceway/libsync.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sync_wait with Android's contract, described above. */
int fw_android_sync_wait(int fd, int timeout_ms);

#ifdef __cplusplus
}
#endif

#define sync_wait fw_android_sync_wait

#endif
