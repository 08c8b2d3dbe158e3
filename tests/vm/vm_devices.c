/*
 * vm_devices.c - find the guest's DRM devices; mint pending fences on vgem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "testlib.h"
#include "vm_devices.h"

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

/* True if DRM node @fd's driver is called @driver. */
static int driver_is(int fd, const char *driver)
{
	char name[64] = "";
	struct drm_version v = {
		.name = name,
		.name_len = sizeof(name) - 1,
	};

	if (xioctl(fd, DRM_IOCTL_VERSION, &v) < 0)
		return 0;
	return strcmp(name, driver) == 0;
}

int vm_open_drm(const char *driver, int render)
{
	const char *env = NULL, *prefix = render ? "renderD" : "card";
	struct dirent *e;
	DIR *d;
	int fd;

	if (strcmp(driver, "virtio_gpu") == 0)
		env = getenv(render ? "FW_VM_RENDER" : "FW_VM_CARD");
	else if (strcmp(driver, "vgem") == 0 && !render)
		env = getenv("FW_VM_VGEM");
	if (env && *env) {
		fd = open(env, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && driver_is(fd, driver))
			return fd;
		if (fd >= 0)
			close(fd);
	}
	d = opendir("/dev/dri");
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300];

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (driver_is(fd, driver)) {
			closedir(d);
			return fd;
		}
		close(fd);
	}
	closedir(d);
	return -1;
}

int vgem_pending_sync_file(int vgem_fd, struct vgem_fence *out)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };

	CHECK(xioctl(vgem_fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb) == 0);
	attach.handle = dumb.handle;
	CHECK(xioctl(vgem_fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach) == 0);
	prime.handle = dumb.handle;
	CHECK(xioctl(vgem_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime) == 0);
	/* Every fence of the dma-buf (here: our write fence) as a sync_file. */
	CHECK(xioctl(prime.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp) == 0);
	close(prime.fd);
	CHECK(exp.fd >= 0);
	CHECK((fcntl(exp.fd, F_GETFD) & FD_CLOEXEC) != 0);
	out->bo = dumb.handle;
	out->fence = attach.out_fence;
	return exp.fd;
}

void vgem_signal(int vgem_fd, struct vgem_fence *f)
{
	struct drm_vgem_fence_signal sig = { .fence = f->fence };
	struct drm_gem_close close_bo = { .handle = f->bo };

	CHECK(xioctl(vgem_fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig) == 0);
	CHECK(xioctl(vgem_fd, DRM_IOCTL_GEM_CLOSE, &close_bo) == 0);
}
