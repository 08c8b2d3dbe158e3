/*
 * soft_sync_file.h - private: fenceway's soft sync files.
 *
 * A soft sync file is one end of an AF_UNIX SOCK_SEQPACKET socketpair; the
 * process that made the fence keeps the other end (the "producer end"),
 * bound to an abstract name "fenceway-sync-file/<pid>/<counter>".  Pending:
 * nothing to read.  Signalled: the producer sent one message (layout below)
 * and closed its end.  Producer gone without a message: EOF, i.e. signalled
 * with -EPIPE.  The full, versioned ABI is docs/soft-sync-file-abi.md; the
 * constants and structs here are that document in C.
 *
 * Three files implement it, one concern each:
 *  - soft_sync_msg.c:      encode/decode the signal message (hostile input)
 *  - soft_sync_file.c:     the producer side (registry, signalling, fork)
 *  - soft_sync_receive.c:  the receiver side (recognise, read, proxy fence)
 */
#ifndef FENCEWAY_SOFT_SYNC_FILE_H
#define FENCEWAY_SOFT_SYNC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/sync_file.h>
#include <sys/types.h>

#include <fenceway/fence.h>

/* driver_name that sync_file_info reports for soft fences. */
#define FW_SOFT_DRIVER_NAME "fenceway-soft"

/* Abstract socket name prefix of producer ends (no NUL; ABI). */
#define FW_SOFT_SYNC_NAME_PREFIX "fenceway-sync-file/"

/* The signal message (ABI v1, native byte order: both ends share a host). */
#define FW_SOFT_SYNC_MSG_MAGIC 0x46535746u /* "FWSF" read as little-endian */
#define FW_SOFT_SYNC_MSG_VERSION 1
/* Bounds every reader enforces; a producer with more points sends these. */
#define FW_SOFT_SYNC_MAX_POINTS 256

struct fw_soft_sync_msg_header {
	uint32_t magic;	      /* FW_SOFT_SYNC_MSG_MAGIC */
	uint16_t version;     /* FW_SOFT_SYNC_MSG_VERSION */
	uint16_t header_size; /* sizeof(struct fw_soft_sync_msg_header) = 56 */
	int32_t status;	      /* 1 = signalled fine, -4095..-1 = -errno */
	uint32_t num_points; /* entries of struct sync_fence_info that follow */
	int64_t timestamp_ns; /* CLOCK_MONOTONIC of the signal */
	char name[32];	      /* the sync file's name, NUL-terminated */
};
/* The points follow as struct sync_fence_info (linux/sync_file.h, 80 bytes). */

#define FW_SOFT_SYNC_MSG_MAX                      \
	(sizeof(struct fw_soft_sync_msg_header) + \
	 FW_SOFT_SYNC_MAX_POINTS * sizeof(struct sync_fence_info))

/*
 * What a soft sync file says, as sync_file_info needs it.  Either the
 * original fence (a soft sync file this process made and still produces)
 * or the outcome read from the file.
 */
struct fw_soft_sync_view {
	char name[32];
	/* Own live file: a reference to the original fence (put it), else NULL. */
	struct fw_fence *fence;
	/* Otherwise: 0 pending, 1 signalled, < 0 error (-EPIPE: producer
	 * died; -EPROTO: it sent a malformed message). */
	int status;
	int64_t timestamp_ns;
	uint32_t num_points;
	struct sync_fence_info *points; /* malloc'd, num_points entries */
};

/* --- soft_sync_msg.c ---------------------------------------------------- */

/*
 * Encode the signal message of @fence (borrowed, signalled) named @name into
 * @buf (FW_SOFT_SYNC_MSG_MAX bytes).  Returns the message length.
 */
size_t fw_soft_sync_msg_encode(struct fw_fence *fence, const char *name,
			       void *buf);

/*
 * Validate and decode a received message of @len bytes (@truncated: the
 * kernel said it was longer than the buffer).  Fills @view (status,
 * timestamp, name, points: malloc'd).  0, or -EPROTO for anything malformed,
 * -ENOMEM.
 */
int fw_soft_sync_msg_decode(const void *buf, size_t len, bool truncated,
			    struct fw_soft_sync_view *view);

/* --- soft_sync_file.c (producer) ------------------------------------------ */

/*
 * A new soft sync file for @fence (borrowed; the producer keeps its own
 * reference until it signals).  @name (may be NULL) is copied into the
 * message and sync_file_info; @flags as fw_sync_file_create_flags().
 * Returns the receiver end (CLOEXEC, the caller owns it), or a negative
 * errno.
 */
int fw_soft_sync_file_create(struct fw_fence *fence, const char *name,
			     unsigned flags);

/* getpid(), asked of the kernel once per process image (fork resets it). */
pid_t fw_soft_sync_self_pid(void);

/*
 * If @id is a producer of this process that is still live, a new reference
 * to its fence (and its name into @name, 32 bytes, if non-NULL); else NULL.
 */
struct fw_fence *fw_soft_sync_producer_lookup(uint64_t id, char *name);

/*
 * Producer ends of this process not yet torn down (for tests and leak
 * checks): once it reads 0, every end is closed and every fence reference
 * and callback of the producers is dropped.
 */
size_t fw_soft_sync_producer_count(void);

/* --- soft_sync_receive.c (receiver) --------------------------------------- */

/*
 * Recognise a soft sync file: a SOCK_SEQPACKET AF_UNIX socket whose peer is
 * bound to FW_SOFT_SYNC_NAME_PREFIX.  On success fills *pid and *id from the
 * name (either may be NULL).  @fd is borrowed.  0 or -EINVAL/-EBADF.
 */
int fw_soft_sync_file_identify(int fd, int32_t *pid, uint64_t *id);

static inline bool fw_soft_sync_file_is(int fd)
{
	return fw_soft_sync_file_identify(fd, NULL, NULL) == 0;
}

/*
 * The fence behind soft sync file @fd (borrowed).  Made by this process and
 * still live: the original fence (so merges keep its (context, seqno)).
 * Otherwise a proxy fence that keeps its own CLOEXEC dup of @fd and signals
 * when the file does (status and timestamp from the message).
 * New reference, or NULL with errno (EINVAL: not a soft sync file).
 */
struct fw_fence *fw_soft_sync_file_import(int fd);
/*
 * The same for @fd already identified as soft sync file @pid/@id; @take:
 * @fd is ours on every path (kept by a pending proxy instead of a dup,
 * else closed before return).
 */
struct fw_fence *fw_soft_sync_file_import_identified(int fd, int32_t pid,
						     uint64_t id, bool take);

/*
 * Describe soft sync file @fd (borrowed) without consuming anything.
 * 0 or a negative errno; release @view with fw_soft_sync_view_release().
 */
int fw_soft_sync_file_view(int fd, struct fw_soft_sync_view *view);
void fw_soft_sync_view_release(struct fw_soft_sync_view *view);

/*
 * Read the file's state once, without blocking or consuming: fills @view
 * with status 0 (nothing yet), the message, -EPIPE (EOF) or -EPROTO.
 * Returns 0 or a negative errno of the read itself.
 */
int fw_soft_sync_file_peek(int fd, struct fw_soft_sync_view *view);

#endif
