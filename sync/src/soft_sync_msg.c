/*
 * soft_sync_msg.c - the soft sync file's signal message (ABI v1).
 *
 * The producer writes it once; every reader decodes it as hostile input: a
 * process that is not fenceway (or a broken one) may have made the socket,
 * so every field is checked and anything off is -EPROTO, never a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fence_impl.h"
#include "soft_sync_file.h"

_Static_assert(sizeof(struct fw_soft_sync_msg_header) == 56,
	       "soft sync file ABI: header is 56 bytes");
_Static_assert(sizeof(struct sync_fence_info) == 80,
	       "soft sync file ABI: a point is 80 bytes");

/* Copy @src into a fixed, NUL-padded field of @size bytes, truncating. */
static void put_name(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memset(dst, 0, size);
	memcpy(dst, src ? src : "", n);
}

static bool valid_status(int32_t status, bool allow_pending)
{
	if (status == 1)
		return true;
	if (status == 0)
		return allow_pending;
	return status < 0 && status >= -4095;
}

static bool terminated(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

size_t fw_soft_sync_msg_encode(struct fw_fence *fence, const char *name,
			       void *buf)
{
	struct fw_soft_sync_msg_header hdr = {
		.magic = FW_SOFT_SYNC_MSG_MAGIC,
		.version = FW_SOFT_SYNC_MSG_VERSION,
		.header_size = sizeof(hdr),
		.status = fw_fence_get_status(fence),
		.timestamp_ns = fw_fence_signal_time(fence),
	};
	size_t n = fw_fence_num_points(fence);
	struct sync_fence_info *pts;

	if (n > FW_SOFT_SYNC_MAX_POINTS)
		n = FW_SOFT_SYNC_MAX_POINTS;
	/* A fence that reports no points still is one: describe itself. */
	hdr.num_points = n ? n : 1;
	put_name(hdr.name, sizeof(hdr.name), name);
	memcpy(buf, &hdr, sizeof(hdr));

	pts = (struct sync_fence_info *)((char *)buf + sizeof(hdr));
	for (size_t i = 0; i < hdr.num_points; i++) {
		struct fw_fence *pt = n ? fw_fence_point(fence, i) : fence;
		struct sync_fence_info info = {0};
		int64_t ts;

		if (!pt)
			pt = fence;
		put_name(info.obj_name, sizeof(info.obj_name),
			 fw_fence_timeline_name(pt));
		put_name(info.driver_name, sizeof(info.driver_name),
			 fw_fence_driver_name(pt));
		info.status = fw_fence_get_status(pt);
		ts = fw_fence_signal_time(pt);
		info.timestamp_ns = ts > 0 ? (uint64_t)ts : 0;
		memcpy(&pts[i], &info, sizeof(info));
	}
	return sizeof(hdr) + hdr.num_points * sizeof(struct sync_fence_info);
}

int fw_soft_sync_msg_decode(const void *buf, size_t len, bool truncated,
			    struct fw_soft_sync_view *view)
{
	struct fw_soft_sync_msg_header hdr;
	struct sync_fence_info *pts;

	if (truncated || len < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != FW_SOFT_SYNC_MSG_MAGIC ||
	    hdr.version != FW_SOFT_SYNC_MSG_VERSION ||
	    hdr.header_size != sizeof(hdr))
		return -EPROTO;
	if (hdr.num_points == 0 || hdr.num_points > FW_SOFT_SYNC_MAX_POINTS ||
	    len != sizeof(hdr) + hdr.num_points * sizeof(*pts))
		return -EPROTO;
	if (!valid_status(hdr.status, false) || hdr.timestamp_ns < 0 ||
	    !terminated(hdr.name, sizeof(hdr.name)))
		return -EPROTO;

	pts = malloc(hdr.num_points * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	memcpy(pts, (const char *)buf + sizeof(hdr),
	       hdr.num_points * sizeof(*pts));
	for (uint32_t i = 0; i < hdr.num_points; i++) {
		/* A fence that signalled fine has no pending or failed part. */
		if (!valid_status(pts[i].status, hdr.status < 0) ||
		    (hdr.status == 1 && pts[i].status != 1) ||
		    pts[i].flags != 0 ||
		    pts[i].timestamp_ns > (uint64_t)INT64_MAX ||
		    !terminated(pts[i].obj_name, sizeof(pts[i].obj_name)) ||
		    !terminated(pts[i].driver_name,
				sizeof(pts[i].driver_name))) {
			free(pts);
			return -EPROTO;
		}
	}

	memcpy(view->name, hdr.name, sizeof(view->name));
	view->fence = NULL;
	view->status = hdr.status;
	view->timestamp_ns = hdr.timestamp_ns;
	view->num_points = hdr.num_points;
	view->points = pts;
	return 0;
}
