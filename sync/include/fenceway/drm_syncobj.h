/*
 * fenceway/drm_syncobj.h - the kernel backend's DRM syncobj timelines.
 *
 * A struct fw_timeline backed by a DRM syncobj timeline on a DRM device fd.
 * Everything in fenceway/timeline.h works on it (signal = CPU signal of a
 * point, point fences wait asynchronously through DRM_IOCTL_SYNCOBJ_EVENTFD
 * where the kernel has it, Linux >= 6.6, else a fallback).
 * Needs DRM_CAP_SYNCOBJ_TIMELINE; on machines without a DRM device, or
 * kernels without it, the functions fail cleanly with -ENODEV/-EOPNOTSUPP.
 */
#ifndef FENCEWAY_DRM_SYNCOBJ_H
#define FENCEWAY_DRM_SYNCOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include <fenceway/timeline.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if @drm_fd (borrowed) supports syncobj timelines. */
bool fw_drm_syncobj_timeline_supported(int drm_fd);
/* True if the kernel has DRM_IOCTL_SYNCOBJ_EVENTFD for @drm_fd. */
bool fw_drm_syncobj_eventfd_supported(int drm_fd);

/*
 * A new syncobj timeline on @drm_fd.  @drm_fd is borrowed; the timeline keeps
 * its own dup.  0 and *out, or a negative errno.
 */
int fw_timeline_create_drm_syncobj(int drm_fd, struct fw_timeline **out);

/*
 * Import the syncobj fd @syncobj_fd (borrowed: caller closes it) into a
 * timeline on @drm_fd (borrowed; the timeline keeps a dup).
 */
int fw_timeline_import_drm_syncobj(int drm_fd, int syncobj_fd,
				   struct fw_timeline **out);

/*
 * Export @point of a kernel timeline as a new kernel sync_file fd (caller
 * owns).  The point must have materialized (a fence attached): -EINVAL
 * otherwise, never a bogus fd.
 */
int fw_timeline_export_sync_file(struct fw_timeline *tl, uint64_t point);

/*
 * Attach the fence of kernel sync_file @sync_file_fd (borrowed) to @point of
 * a kernel timeline.  0 or a negative errno.
 */
int fw_timeline_import_sync_file(struct fw_timeline *tl, uint64_t point,
				 int sync_file_fd);

#ifdef __cplusplus
}
#endif
#endif
