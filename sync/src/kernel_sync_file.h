/*
 * kernel_sync_file.h - private: kernel sync_file fences (the kernel backend).
 *
 * A kernel sync_file is whatever fd answers SYNC_IOC_FILE_INFO.  Importing
 * one gives a fw_fence that keeps its own dup of the fd, learns the signal
 * from the library's fd_watch thread (POLLIN, armed lazily), and reads the
 * outcome with SYNC_IOC_FILE_INFO.  Its ops->export_kernel_sync_file hands
 * out a fresh dup, so such fences go back to KMS/EGL as kernel objects.
 *
 * Used by sync_file.c (the dispatcher) and libsync.c.  On machines without
 * any kernel sync_file source these functions simply never see one.
 */
#ifndef FENCEWAY_KERNEL_SYNC_FILE_H
#define FENCEWAY_KERNEL_SYNC_FILE_H

#include <stdbool.h>

#include <fenceway/fence.h>

/* driver_name of imported kernel sync_file fences. */
#define FW_KERNEL_SYNC_FILE_DRIVER "fenceway-kernel"

/*
 * True if @fd (borrowed) is a kernel sync_file: SYNC_IOC_FILE_INFO succeeds
 * on it.  Never fails, never touches errno's meaning for the caller.
 */
bool fw_kernel_sync_file_is(int fd);

/*
 * A fence for kernel sync_file @fd.  @fd is borrowed: the fence keeps its
 * own CLOEXEC dup, the caller still closes @fd.  The fence gets a fresh
 * context (seqno 1): two imports of the same file are two points.
 * Returns a new reference, or NULL with errno: EINVAL (not a kernel
 * sync_file), EBADF, EMFILE, ENOMEM.
 */
struct fw_fence *fw_kernel_sync_file_import(int fd);

/*
 * SYNC_IOC_MERGE of kernel sync_files @fd1 and @fd2 (both borrowed).
 * Returns a new kernel sync_file fd (CLOEXEC, caller owns), or a negative
 * errno (-EINVAL if either is not a kernel sync_file).
 */
int fw_kernel_sync_file_merge(int fd1, int fd2);

/*
 * A kernel sync_file for @fence (borrowed) if every point of it is
 * kernel-backed (ops->export_kernel_sync_file): one point exports directly,
 * several are merged with SYNC_IOC_MERGE.  A fence with no points left
 * (an already-signalled merge) is -EOPNOTSUPP too: the kernel has no way to
 * mint a signalled sync_file from userspace.
 * Returns a new fd (CLOEXEC, caller owns), or a negative errno:
 * -EOPNOTSUPP if any point is not kernel-backed.
 */
int fw_kernel_sync_file_export(struct fw_fence *fence);

/* True if @fence (borrowed) is wholly kernel-backed (see above). */
bool fw_fence_is_kernel(struct fw_fence *fence);

/*
 * What the kernel says now about @fence (borrowed) if it is an imported
 * kernel sync_file: true, with *status 1 signalled, 0 active or < 0 its
 * error and *timestamp_ns the kernel's signal time (0 while active).  The
 * fence itself is left alone: it learns the outcome from its fd_watch
 * thread, which runs its callbacks; this only lets a status query answer
 * at once, as SYNC_IOC_FILE_INFO does.  False for any other fence, or if
 * the kernel cannot be asked.
 */
bool fw_kernel_sync_file_peek(struct fw_fence *fence, int *status,
			      int64_t *timestamp_ns);

#endif
