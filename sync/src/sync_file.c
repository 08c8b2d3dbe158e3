/*
 * sync_file.c - one sync file API over two kinds of file.
 *
 * Dispatches between kernel sync_files (kernel_sync_file.c) and fenceway's
 * soft sync files (soft_sync_*.c).  A fence made only of kernel points goes
 * out as a kernel sync_file, so KMS and EGL can take it; anything with a
 * soft part goes out as a soft sync file.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel_sync_file.h"
#include "soft_sync_file.h"
#include "sync_file_impl.h"

int fw_sync_file_create_named(struct fw_fence *fence, const char *name,
			      unsigned flags)
{
	int fd;

	if (!fence)
		return -EINVAL;
	if (fw_fence_is_kernel(fence)) {
		fd = fw_kernel_sync_file_export(fence);
		/* Not exportable after all (e.g. signalled meanwhile): soft. */
		if (fd != -EOPNOTSUPP)
			return fd;
	}
	return fw_soft_sync_file_create(fence, name, flags);
}

int fw_sync_file_create(struct fw_fence *fence)
{
	return fw_sync_file_create_named(fence, NULL, 0);
}

int fw_sync_file_create_flags(struct fw_fence *fence, unsigned flags)
{
	if (flags & ~(unsigned)FW_SYNC_FILE_CALLER_SIGNALS)
		return -EINVAL;
	return fw_sync_file_create_named(fence, NULL, flags);
}

enum fw_sync_file_kind fw_sync_file_kind(int fd)
{
	int saved = errno;
	enum fw_sync_file_kind kind = FW_SYNC_FILE_NONE;

	if (fw_soft_sync_file_is(fd))
		kind = FW_SYNC_FILE_SOFT;
	else if (fw_kernel_sync_file_is(fd))
		kind = FW_SYNC_FILE_KERNEL;
	errno = saved;
	return kind;
}

/* One look at @fd; @take: it is ours to keep or close on every path. */
static struct fw_fence *import(int fd, enum fw_sync_file_kind *kind, bool take)
{
	int32_t pid;
	uint64_t id;
	int ret = fw_soft_sync_file_identify(fd, &pid, &id);
	struct fw_fence *fence;
	int saved;

	if (ret == 0) {
		*kind = FW_SYNC_FILE_SOFT;
		return fw_soft_sync_file_import_identified(fd, pid, id, take);
	}
	if (ret == -EBADF) {
		*kind = FW_SYNC_FILE_NONE;
		errno = EBADF;
		return NULL;
	}
	if (fw_kernel_sync_file_is(fd)) {
		*kind = FW_SYNC_FILE_KERNEL;
		/* The kernel fence keeps its own dup. */
		fence = fw_kernel_sync_file_import(fd);
	} else {
		*kind = FW_SYNC_FILE_NONE;
		/* Tell a closed fd from one that is open but no sync file. */
		errno = fcntl(fd, F_GETFD) < 0 ? EBADF : EINVAL;
		fence = NULL;
	}
	saved = errno;
	if (take && errno != EBADF)
		close(fd);
	errno = saved;
	return fence;
}

struct fw_fence *fw_sync_file_import(int fd, enum fw_sync_file_kind *kind)
{
	enum fw_sync_file_kind dummy;

	return import(fd, kind ? kind : &dummy, true);
}

struct fw_fence *fw_sync_file_get_fence(int fd)
{
	enum fw_sync_file_kind dummy;

	return import(fd, &dummy, false);
}
