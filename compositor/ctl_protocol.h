/*
 * The fenceway-ctl wire format, shared by the compositor (ctl.c) and the
 * tool (fenceway_ctl.c).
 *
 * The socket is DIR/NAME.ctl beside the Wayland socket DIR/NAME (DIR is
 * $XDG_RUNTIME_DIR, NAME what WAYLAND_DISPLAY names).  One request per
 * connection: one line of text ending in '\n', at most FW_CTL_MAX_REQUEST
 * bytes with it; "trace start" carries the trace file's fd with it
 * (SCM_RIGHTS, on the same sendmsg as the line's first byte).  The reply is
 * text until the compositor closes the connection; its first line is
 * "ok" or "error: WHY".
 */
#ifndef FENCEWAY_CTL_PROTOCOL_H
#define FENCEWAY_CTL_PROTOCOL_H

#define FW_CTL_SUFFIX ".ctl"
#define FW_CTL_MAX_REQUEST 256

/* The requests (a request line is one of these, "trace start" optionally
 * followed by a space and the file's name, which only the log shows). */
#define FW_CTL_STATUS "status"
#define FW_CTL_STALLS "stalls"
#define FW_CTL_TRACE_START "trace start"
#define FW_CTL_TRACE_STOP "trace stop"

#define FW_CTL_OK "ok\n"
#define FW_CTL_ERROR "error: "

#endif
