/*
 * fenceway/sync_file.h - sync files: a fence carried by a file descriptor.
 *
 * Two kinds, one API: kernel sync_files (SYNC_IOC_*) and fenceway's soft
 * sync files (an AF_UNIX SOCK_SEQPACKET end; docs/soft-sync-file-abi.md).
 * Both are pollable: POLLIN once the fence has signalled, with or without an
 * error.  A soft sync file whose producer process died signals with -EPIPE.
 */
#ifndef FENCEWAY_SYNC_FILE_H
#define FENCEWAY_SYNC_FILE_H

#include <fenceway/fence.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fw_sync_file_kind {
	FW_SYNC_FILE_NONE = 0, /* not a sync file */
	FW_SYNC_FILE_KERNEL = 1,
	FW_SYNC_FILE_SOFT = 2,
};

/*
 * A new sync file fd (CLOEXEC, owned by the caller) for @fence (borrowed).
 * A fence that is wholly kernel-backed gives a kernel sync_file; anything
 * else a soft one, kept alive by this process until the fence signals, the
 * timeline is destroyed or every receiver closed its copy.  Each call makes
 * an independent file: hand every receiver its own.  Negative errno on error.
 */
int fw_sync_file_create(struct fw_fence *fence);

enum fw_sync_file_flags {
	/*
	 * The caller will signal @fence (or fail it): its soft sync file is
	 * not watched for receivers that all leave first, so making one
	 * costs no watch on the library's fd thread -- and the file's
	 * producer end stays open until the fence signals, whoever is left.
	 * For a compositor's release fences, signalled once per frame.
	 */
	FW_SYNC_FILE_CALLER_SIGNALS = 1 << 0,
};

/* fw_sync_file_create() with @flags (enum fw_sync_file_flags; -EINVAL for
 * others). */
int fw_sync_file_create_flags(struct fw_fence *fence, unsigned flags);

/*
 * The fence behind sync file @fd (borrowed: the caller still closes it).
 * Returns a new reference, or NULL with errno (EINVAL: not a sync file).
 */
struct fw_fence *fw_sync_file_get_fence(int fd);

/* What @fd is; never fails (FW_SYNC_FILE_NONE for anything else). */
enum fw_sync_file_kind fw_sync_file_kind(int fd);

/*
 * fw_sync_file_kind() and fw_sync_file_get_fence() in one call, looking at
 * @fd once: for a receiver that takes sync files on every frame.  @fd is
 * taken on every path: a pending soft sync file's fence keeps it (no dup),
 * anything else is closed before return (so pass a CLOEXEC fd, as
 * received with MSG_CMSG_CLOEXEC).  *@kind (may be NULL) gets what @fd
 * was, also on failure.  Returns a new reference, or NULL with errno
 * (EINVAL: not a sync file, EBADF: not an open fd).  A soft sync file that
 * has already signalled gives a fence that is signalled at return.
 */
struct fw_fence *fw_sync_file_import(int fd, enum fw_sync_file_kind *kind);

#ifdef __cplusplus
}
#endif
#endif
