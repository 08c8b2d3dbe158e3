/*
 * libsync_android.c - what AOSP's libsync exports beyond the kernel
 * selftests' helpers: the legacy info API, built from sync_file_info() the
 * way AOSP builds it on kernels with the mainline sync_file uapi, and
 * sync_wait with Android's contract (<fenceway/android/sync.h>).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fenceway/android/sync.h>
/* Below, sync_wait is the selftests' function the Android one wraps. */
#undef sync_wait

/* Copy a kernel-style name field, always NUL-terminated. */
static void copy_field(char dst[32], const char src[32])
{
	size_t n = strnlen(src, 31);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct sync_fence_info_data *sync_fence_info(int fd)
{
	struct sync_file_info *info = sync_file_info(fd);
	const struct sync_fence_info *src;
	struct sync_fence_info_data *data;
	struct sync_pt_info *pts;
	size_t size;

	if (!info)
		return NULL;
	size = sizeof(*data) + (size_t)info->num_fences * sizeof(*pts);
	/* len is 32 bits: a fence that big cannot be described. */
	data = size <= UINT32_MAX ? calloc(1, size) : NULL;
	if (!data) {
		sync_file_info_free(info);
		errno = ENOMEM;
		return NULL;
	}
	data->len = (uint32_t)size;
	copy_field(data->name, info->name);
	data->status = info->status;
	src = sync_get_fence_info(info);
	pts = (struct sync_pt_info *)data->pt_info;
	for (uint32_t i = 0; i < info->num_fences; i++) {
		pts[i].len = sizeof(pts[i]);
		copy_field(pts[i].obj_name, src[i].obj_name);
		copy_field(pts[i].driver_name, src[i].driver_name);
		pts[i].status = src[i].status;
		/* The kernel fills in a time only once a fence signalled. */
		pts[i].timestamp_ns =
			src[i].status != 0 ? src[i].timestamp_ns : 0;
	}
	sync_file_info_free(info);
	return data;
}

struct sync_pt_info *sync_pt_info(struct sync_fence_info_data *info,
				  struct sync_pt_info *itr)
{
	size_t off;

	if (!info)
		return NULL;
	if (!itr)
		off = sizeof(*info);
	else if (itr->len < sizeof(*itr))
		return NULL; /* a record that does not move on would loop */
	else
		off = (size_t)((uint8_t *)itr - (uint8_t *)info) + itr->len;
	/* Only whole records: never read past the allocation. */
	if (off > info->len || info->len - off < sizeof(*itr))
		return NULL;
	return (struct sync_pt_info *)((uint8_t *)info + off);
}

void sync_fence_info_free(struct sync_fence_info_data *info)
{
	free(info);
}

int fw_android_sync_wait(int fd, int timeout_ms)
{
	int ret = sync_wait(fd, timeout_ms);

	if (ret > 0)
		return 0;
	if (ret == 0) {
		errno = ETIME;
		return -1;
	}
	/* Android answers EINVAL for any fd it cannot wait on. */
	if (errno == EBADF)
		errno = EINVAL;
	return -1;
}
