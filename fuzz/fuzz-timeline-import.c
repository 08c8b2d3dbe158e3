/*
 * fuzz-timeline-import.c - the soft timeline importer on hostile fds.
 *
 * Input: [kind] [variant] [point] [post] [64 header bytes] [64 post bytes]
 *  - kind picks the fd: a page memfd with the right seals, with seals the
 *    variant picks, sized by the variant, reopened read-only or
 *    write-only, an fd that is no memfd at all, a second fd of a timeline
 *    already imported, or a page the peer scribbles over after import;
 *  - the page's first 64 bytes (header, counter, futex word, error, name)
 *    are the input's, the rest zero;
 *  - after a successful import: the post bytes overwrite the page's first
 *    64 bytes as a hostile peer would, then the timeline is queried,
 *    points are made, signalled and waited for without blocking.
 * Checks: nothing but a read-write, correctly sealed 4096-byte memfd with
 * our header imports; a read-only or write-only fd never does, even of a
 * timeline this process already has; the import agrees with
 * fw_soft_timeline_fd_is_soft(); after import, point 0 is signalled, a
 * point we signalled is never pending, statuses stay in range.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <fenceway/libsync.h>
#include <fenceway/timeline.h>

#include "fuzz.h"
#include "soft_timeline.h"

enum kind {
	KIND_GOOD,        /* right seals and size; the header decides */
	KIND_SEALS,       /* seals from the variant byte */
	KIND_SIZE,        /* size from the variant byte */
	KIND_READ_ONLY,   /* /proc/self/fd reopen, O_RDONLY */
	KIND_WRITE_ONLY,  /* the same, O_WRONLY */
	KIND_NOT_MEMFD,   /* pipe, socket, eventfd, /dev/null */
	KIND_KNOWN_RO,    /* imported read-write, then a read-only fd of it */
	KIND_COUNT
};

#define PAGE 4096
#define HDR 64

static int reopen(int fd, int mode)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, mode | O_CLOEXEC);
}

static int make_memfd(const uint8_t hdr[HDR], off_t size, int seals)
{
	int fd = memfd_create("fuzz-timeline", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(ftruncate(fd, size) == 0);
	if (size > 0)
		FUZZ_CHECK(pwrite(fd, hdr, size < HDR ? size : HDR, 0) >= 0);
	if (seals)
		FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, seals) == 0);
	return fd;
}

/* An fd of another kind altogether; -1 if none could be made. */
static int make_other(uint8_t variant)
{
	int p[2], fd;

	switch (variant % 4) {
	case 0:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case 1:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case 2:
		return eventfd(0, EFD_CLOEXEC);
	default:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		return fd;
	}
}

static void check_status(int st)
{
	FUZZ_CHECK(st == 0 || st == 1 || (st < 0 && st >= -4095));
}

/* What a hostile peer may do to the page, then what we still promise. */
static void exercise(struct fw_timeline *tl, int fd, uint8_t point,
		     uint8_t post, const uint8_t scribble[HDR])
{
	struct fw_fence *zero, *pt;
	uint64_t value;
	int st;

	if (post & 1) {
		void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);

		FUZZ_CHECK(page != MAP_FAILED);
		memcpy(page, scribble, HDR);
		munmap(page, PAGE);
	}
	FUZZ_CHECK(fw_timeline_query(tl, &value) == 0);
	st = fw_timeline_get_error(tl);
	FUZZ_CHECK(st <= 0 && st >= -4095);

	zero = fw_timeline_point_fence(tl, 0);
	FUZZ_CHECK(zero && fw_fence_get_status(zero) == 1);
	fw_fence_put(zero);

	pt = fw_timeline_point_fence(tl, point);
	FUZZ_CHECK(pt != NULL);
	check_status(fw_fence_get_status(pt));
	if (post & 2) {
		/*
		 * sw_sync's increment on the same fd: the same object.  It
		 * checks the header again, so a scribbled one may refuse.
		 */
		st = sw_sync_timeline_inc(fd, post >> 4);
		FUZZ_CHECK(st == 0 || (post & 1));
	}
	FUZZ_CHECK(fw_timeline_signal(tl, point) == 0);
	st = fw_fence_get_status(pt);
	FUZZ_CHECK(st != 0);
	check_status(st);
	FUZZ_CHECK(fw_timeline_wait(tl, point, 0) != -ETIME);
	fw_fence_put(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t kind = fuzz_u8(&in) % KIND_COUNT;
	uint8_t variant = fuzz_u8(&in), point = fuzz_u8(&in);
	uint8_t post = fuzz_u8(&in);
	uint8_t hdr[HDR] = { 0 }, scribble[HDR] = { 0 };
	struct fw_timeline *tl = NULL, *known = NULL;
	int fd = -1, base = -1, ret;
	bool soft;

	for (int i = 0; i < HDR; i++)
		hdr[i] = fuzz_u8(&in);
	for (int i = 0; i < HDR; i++)
		scribble[i] = fuzz_u8(&in);

	switch (kind) {
	case KIND_SEALS:
		fd = make_memfd(hdr, PAGE, variant & (F_SEAL_SEAL |
			F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			F_SEAL_FUTURE_WRITE));
		break;
	case KIND_SIZE:
		fd = make_memfd(hdr, (off_t)variant * 64,
				FW_SOFT_REQUIRED_SEALS);
		break;
	case KIND_READ_ONLY:
	case KIND_WRITE_ONLY:
	case KIND_KNOWN_RO:
		base = make_memfd(hdr, PAGE, FW_SOFT_REQUIRED_SEALS);
		if (kind == KIND_KNOWN_RO &&
		    fw_timeline_import(base, &known) < 0)
			known = NULL;
		fd = reopen(base, kind == KIND_WRITE_ONLY ? O_WRONLY : O_RDONLY);
		FUZZ_CHECK(fd >= 0);
		break;
	case KIND_NOT_MEMFD:
		fd = make_other(variant);
		if (fd < 0)
			return 0;
		break;
	default:
		fd = make_memfd(hdr, PAGE, FW_SOFT_REQUIRED_SEALS);
		break;
	}

	soft = fw_soft_timeline_fd_is_soft(fd);
	ret = fw_timeline_import(fd, &tl);
	FUZZ_CHECK(ret <= 0);
	if (ret == 0) {
		FUZZ_CHECK(tl != NULL && soft);
		FUZZ_CHECK(kind == KIND_GOOD || kind == KIND_SEALS ||
			   kind == KIND_SIZE);
		FUZZ_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
		exercise(tl, fd, point, post, scribble);
		fw_timeline_put(tl);
	} else {
		FUZZ_CHECK(tl == NULL);
		/* A soft timeline fd that is read-write must import. */
		FUZZ_CHECK(!soft || ret == -EACCES || ret == -ENOMEM ||
			   ret == -EMFILE);
		if (kind == KIND_READ_ONLY || kind == KIND_WRITE_ONLY ||
		    kind == KIND_KNOWN_RO)
			FUZZ_CHECK(!soft || ret == -EACCES);
	}
	fw_timeline_put(known);
	close(fd);
	if (base >= 0)
		close(base);
	return 0;
}
