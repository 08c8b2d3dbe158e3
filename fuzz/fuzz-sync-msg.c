/*
 * fuzz-sync-msg.c - the soft sync file's signal message as a consumer
 * receives it from a producer it cannot trust.
 *
 * Input: [mode] [message bytes...].  The bytes go to the decoder directly,
 * and through a real soft sync file: a SOCK_SEQPACKET pair whose producer
 * end carries a soft sync file name of another process, which sends the
 * bytes as its one message (or nothing, mode bit 1) and then hangs up or
 * stays (bit 0).  The consumer side is then read every way the library
 * offers: sync_file_info(), the legacy sync_fence_info(), sync_wait(), a
 * proxy fence (bit 2), a merge of the file with itself (bit 3).
 * Checks (docs/soft-sync-file-abi.md): a message the decoder accepts is
 * reported point for point; anything else is one point failed with
 * -EPROTO; nothing sent is pending, or -EPIPE once the producer hung up;
 * every view agrees with every other, and none ever crashes or leaks.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <fenceway/libsync.h>
#include <fenceway/sync_file.h>

#include "fuzz.h"
#include "soft_sync_file.h"

/* A producer end with a name of "another process" (pid 0), bound. */
static int bind_producer(int fd)
{
	/* Per fuzzer process: parallel runs share the abstract namespace. */
	static uint64_t counter;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (!counter)
		counter = (uint64_t)getpid() << 32;
	for (int tries = 0; tries < 16; tries++) {
		int n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
				 "%s0/%llu", FW_SOFT_SYNC_NAME_PREFIX,
				 (unsigned long long)counter++);
		socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + n;

		if (bind(fd, (struct sockaddr *)&addr, len) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

/* What every description of a sync file must agree with. */
static void check_info(const struct sync_file_info *info)
{
	const struct sync_fence_info *pts = sync_get_fence_info(info);
	bool any_active = false, all_signalled = true;

	FUZZ_CHECK(info->num_fences >= 1);
	for (uint32_t i = 0; i < info->num_fences; i++) {
		FUZZ_CHECK(pts[i].status == 0 || pts[i].status == 1 ||
			   (pts[i].status < 0 && pts[i].status >= -4095));
		FUZZ_CHECK(memchr(pts[i].obj_name, 0, 32) != NULL);
		FUZZ_CHECK(memchr(pts[i].driver_name, 0, 32) != NULL);
		any_active |= pts[i].status == 0;
		all_signalled &= pts[i].status == 1;
	}
	FUZZ_CHECK(memchr(info->name, 0, 32) != NULL);
	if (info->status == 1)
		FUZZ_CHECK(all_signalled);
	if (info->status == 0)
		FUZZ_CHECK(any_active);
}

/* The legacy info says what sync_file_info says. */
static void check_legacy(int fd, const struct sync_file_info *info)
{
	struct sync_fence_info_data *legacy = sync_fence_info(fd);
	const struct sync_fence_info *pts = sync_get_fence_info(info);
	struct sync_pt_info *pt = NULL;
	uint32_t n = 0;

	FUZZ_CHECK(legacy != NULL);
	FUZZ_CHECK(legacy->status == info->status);
	while ((pt = sync_pt_info(legacy, pt))) {
		FUZZ_CHECK(n < info->num_fences);
		FUZZ_CHECK(pt->status == pts[n].status);
		FUZZ_CHECK(pt->status != 0 || pt->timestamp_ns == 0);
		n++;
	}
	FUZZ_CHECK(n == info->num_fences);
	sync_fence_info_free(legacy);
}

/* What the consumer must see, given what the producer did. */
static void check_outcome(const struct sync_file_info *info, bool sent,
			  bool hung_up, int decoded,
			  const struct fw_soft_sync_view *view)
{
	const struct sync_fence_info *pts = sync_get_fence_info(info);

	if (sent && decoded == 0) {
		FUZZ_CHECK(info->status == view->status);
		FUZZ_CHECK(info->num_fences == view->num_points);
		FUZZ_CHECK(memcmp(pts, view->points,
				  view->num_points * sizeof(*pts)) == 0);
		FUZZ_CHECK(strncmp(info->name, view->name, 32) == 0);
		return;
	}
	FUZZ_CHECK(info->num_fences == 1);
	if (sent)
		FUZZ_CHECK(info->status == -EPROTO || info->status == -EPIPE);
	else
		FUZZ_CHECK(info->status == (hung_up ? -EPIPE : 0));
	FUZZ_CHECK(pts[0].status == info->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_soft_sync_view view = { 0 };
	uint8_t mode = size ? data[0] : 0;
	const uint8_t *msg = size ? data + 1 : data;
	size_t len = size ? size - 1 : 0;
	bool sent = !(mode & 2), hung_up = mode & 1;
	struct sync_file_info *info;
	int sv[2], decoded, status;

	decoded = fw_soft_sync_msg_decode(msg, len, false, &view);
	FUZZ_CHECK(decoded == 0 || decoded == -EPROTO || decoded == -ENOMEM);
	if (decoded == 0) {
		FUZZ_CHECK(view.num_points >= 1 &&
			   view.num_points <= FW_SOFT_SYNC_MAX_POINTS);
		FUZZ_CHECK(view.status == 1 ||
			   (view.status < 0 && view.status >= -4095));
		FUZZ_CHECK(view.fence == NULL && view.timestamp_ns >= 0);
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto out;
	if (bind_producer(sv[0]) < 0)
		goto close_both;
	if (sent && send(sv[0], msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		goto close_both; /* e.g. bigger than the socket takes */
	if (hung_up) {
		close(sv[0]);
		sv[0] = -1;
	}

	FUZZ_CHECK(fw_sync_file_kind(sv[1]) == FW_SYNC_FILE_SOFT);
	info = sync_file_info(sv[1]);
	FUZZ_CHECK(info != NULL);
	check_info(info);
	/* A zero-length message reads as end of file: -EPIPE. */
	check_outcome(info, sent && len > 0, hung_up || (sent && len == 0),
		      decoded, &view);
	check_legacy(sv[1], info);
	status = info->status;
	FUZZ_CHECK((sync_wait(sv[1], 0) > 0) == (status != 0));
	FUZZ_CHECK(sync_fence_count_with_status(sv[1], 0) +
		   sync_fence_count_with_status(sv[1], 1) +
		   sync_fence_count_with_status(sv[1], -1) ==
		   (int)info->num_fences);

	if (mode & 4) {
		struct fw_fence *proxy = fw_sync_file_get_fence(sv[1]);

		FUZZ_CHECK(proxy != NULL);
		/* A file that already says something is settled at import. */
		if (status != 0)
			FUZZ_CHECK(fw_fence_get_status(proxy) == status ||
				   (status < 0 && fw_fence_get_status(proxy) < 0));
		fw_fence_put(proxy);
	}
	if (mode & 8) {
		int m = sync_merge("fuzz", sv[1], sv[1]);
		struct sync_file_info *minfo;

		FUZZ_CHECK(m >= 0);
		minfo = sync_file_info(m);
		FUZZ_CHECK(minfo != NULL);
		check_info(minfo);
		FUZZ_CHECK((minfo->status == 0) == (status == 0));
		sync_file_info_free(minfo);
		close(m);
	}
	sync_file_info_free(info);

close_both:
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
out:
	if (decoded == 0)
		fw_soft_sync_view_release(&view);
	return 0;
}
