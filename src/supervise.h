/* fsend's listening process: accepts clients and serves each in a process of its own. */
#ifndef SUPERVISE_H
#define SUPERVISE_H

/* What the program does for each client, and how many clients it takes. */
struct sv_opts {
	unsigned long jobs;   /* at most this many clients served at once */
	unsigned long count;  /* clients to serve; 0: until stopped */
	int log_each;         /* a line for each transfer a signal cut */
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

/*
 * Accept clients on the listening socket lfd and serve each in a child
 * process, at most o->jobs at once (the rest wait in the listen backlog),
 * until o->count have been served.  Each accepted connection is set to reset
 * on close before its child exists, so a child that dies before it has sent
 * the whole file (a signal, SIGKILL, a crash) resets it.  On Linux a child
 * dies with the listener, however the listener dies.
 *
 * Returns 0 when every transfer succeeded, else the status of the last one
 * that failed (71 if a process could not be made).  SIGINT, SIGTERM or
 * SIGHUP stops it: the signal goes on to every child (a child that already
 * has its acknowledgement reports it), and once they are gone the listener
 * dies by that signal; it does not return.
 */
int sv_run(int lfd, const struct sv_opts *o);

#endif
