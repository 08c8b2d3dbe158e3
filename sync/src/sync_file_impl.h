/*
 * sync_file_impl.h - private: the sync file dispatcher, for libsync.c.
 */
#ifndef FENCEWAY_SYNC_FILE_IMPL_H
#define FENCEWAY_SYNC_FILE_IMPL_H

#include <fenceway/sync_file.h>

/*
 * fw_sync_file_create_flags() with a name: the sync_file_info name of a
 * soft sync file (copied, truncated to 31 bytes; NULL: the fence's timeline
 * name).  Kernel sync_files get the kernel's own name.  Returns a new fd
 * (CLOEXEC, caller owns) or a negative errno.
 */
int fw_sync_file_create_named(struct fw_fence *fence, const char *name,
			      unsigned flags);

#endif
