/*
 * vm_devices.h - the qemu lane's DRM devices and vgem helpers, for tests.
 *
 * vgem_drm.h is not installed by any bookworm package: its two ioctls are
 * defined here (include/uapi/drm/vgem_drm.h).  vgem gives what no other
 * device here can: a *pending* kernel fence that the test signals when it
 * wants (a fence attached to a bo, exported from the bo's dma-buf as a
 * sync_file).  vgem fences also signal on their own after 10 s.
 */
#ifndef FW_VM_DEVICES_H
#define FW_VM_DEVICES_H

#include <stdint.h>

#include <drm.h>

#ifndef DRM_IOCTL_VGEM_FENCE_ATTACH
struct drm_vgem_fence_attach {
	__u32 handle;   /* a GEM handle on the vgem fd */
	__u32 flags;    /* VGEM_FENCE_WRITE: an exclusive (write) fence */
	__u32 out_fence;
	__u32 pad;
};
struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};
#define VGEM_FENCE_WRITE 0x1
#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal)
#endif

/*
 * Open the DRM node of driver @driver ("virtio_gpu", "vgem"), @render for
 * its render node.  Uses $FW_VM_CARD/$FW_VM_RENDER/$FW_VM_VGEM (set by the
 * guest, tools/vm/guest-stage2.sh) and else scans /dev/dri asking each node
 * its driver name (DRM_IOCTL_VERSION).  A CLOEXEC fd, or -1.
 */
int vm_open_drm(const char *driver, int render);

/* A vgem bo with a pending write fence. */
struct vgem_fence {
	uint32_t bo;       /* GEM handle */
	uint32_t fence;    /* vgem fence id, for VGEM_FENCE_SIGNAL */
};

/*
 * A new bo on @vgem_fd with a pending write fence, and that fence as a new
 * kernel sync_file (returned, caller owns; via the bo's dma-buf and
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE).  Aborts on failure: the lane must have it.
 */
int vgem_pending_sync_file(int vgem_fd, struct vgem_fence *out);
/* Signal it (VGEM_FENCE_SIGNAL) and close the bo. */
void vgem_signal(int vgem_fd, struct vgem_fence *f);

#endif
