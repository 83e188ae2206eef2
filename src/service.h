/* fsend run by a service manager: the sockets it passes, or inetd's one
 * connection on standard input. */
#ifndef SERVICE_H
#define SERVICE_H

#include <stddef.h>

/*
 * The listening sockets a service manager passed (systemd's socket
 * activation, the sd_listen_fds(3) convention without libsystemd): when
 * LISTEN_PID is this process and LISTEN_FDS at least 1, descriptors 3 on,
 * each checked to be a listening stream socket and made close-on-exec; the
 * variables are unset so that no child inherits them.  Stores at most max
 * in fds.  Returns how many (0: none passed), or -1 after saying why they
 * cannot be used (the status is EX_CONFIG, 78).
 */
int svc_listeners(int *fds, size_t max);

/*
 * --inetd: the connection is standard input (inetd "nowait", systemd
 * Accept=yes, tcpserver).  Returns 0 when it is a connected stream socket,
 * with standard output and error sent to /dev/null where they are that
 * connection too
 * (nothing may reach the peer beside the protocol), else -1 after saying so.
 */
int svc_inetd(void);

#endif
