/*
 * clients/demo/junk.h - file descriptors that are not what the protocol
 * asks for, for --misbehave junk-*.
 */
#ifndef DEMO_JUNK_H
#define DEMO_JUNK_H

#include "../common/options.h"

/*
 * A new fd (caller closes) of the kind @m asks for: an eventfd, the read
 * end of a pipe, or an unsealed memfd the size of a timeline page with
 * plausible-looking bytes.  -1 (printed) on failure or for other modes.
 */
int demo_junk_fd(enum fwd_misbehave m);

#endif
