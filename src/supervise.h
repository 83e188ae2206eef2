/* fsend's listening process: accepts clients and serves each in a process of its own. */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stddef.h>

/* What the program does for each client, and how many clients it takes. */
struct sv_opts {
	unsigned long jobs;   /* at most this many clients served at once */
	unsigned long count;  /* clients to serve; 0: until stopped */
	int count_success;    /* 1: count counts transfers that succeeded; after
	                       * one fails, serving goes on */
	int gate;             /* 1: a client counts only once its process calls
	                       * sv_passed(); one that never does was refused:
	                       * not served, not failed */
	unsigned long linger; /* count_success: after a failure, how long to wait
	                       * for the next client (seconds; 0: for ever) */
	int log_each;         /* a line for each transfer a signal cut */
	int quiet;            /* count_success: no line when waiting again */
	/* In the listener, first thing: may the client at address peer
	 * (socket sock) be served?  0 refuses it: it is reset, gets no
	 * process and does not count.  NULL: everyone may. */
	int (*admit)(int sock, const char *peer, void *arg);
	/* In the listener, before a client gets a process: make the input
	 * ready.  Returns 0, or an exit status (after saying why) to refuse
	 * this client. */
	int (*ready)(void *arg);
	/* In the listener, once a process has the client: it has the input
	 * too, so the listener can let go of its copy. */
	void (*handed)(void *arg);
	/* In the child: serve sock (a client at address peer), say how it
	 * went, return the exit status. */
	int (*serve)(int sock, const char *peer, void *arg);
	void *arg;
};

/* The listening sockets sv_run takes at most. */
#define SV_LISTEN_MAX 16

/*
 * Accept clients on the listening sockets lfds[0..n) and serve each in a
 * child process, at most o->jobs at once (the rest wait in the listen backlog),
 * until o->count have been served.  Each accepted connection is set to reset
 * on close before its child exists, so a child that dies before it has sent
 * the whole file (a signal, SIGKILL, a crash) resets it.  On Linux a child
 * dies with the listener, however the listener dies.
 *
 * With count_success, only transfers that succeeded count: after one
 * fails, the listener takes the next client (the same receiver come back),
 * and a client that comes while an earlier one is still served (a
 * connection the network dropped without a word) is served at once beside
 * it.  Once count have succeeded, any still being served are stopped.
 * When, after a failure, none is served and none comes for linger seconds,
 * serving ends with that failure's status.
 *
 * Returns 0 when every transfer succeeded (with count_success: when count
 * did), else the status of the last one that failed (71 if a process could
 * not be made).  SIGINT, SIGTERM or
 * SIGHUP stops it: the signal goes on to every child (a child that already
 * has its acknowledgement reports it), and once they are gone the listener
 * dies by that signal; it does not return.
 */
int sv_run(int *lfds, size_t n, const struct sv_opts *o);

/* In a child, with sv_opts.gate: its client passed (proved the key), and
 * now counts.  Elsewhere nothing. */
void sv_passed(void);

#endif
