/*
 * fsend's listening process: the accept loop, the self-pipe that wakes
 * poll(2) for signals and SIGCHLD, the table of children, reaping, and
 * passing a stop on to every child.  The per-client code knows nothing of it.
 */
#include "supervise.h"

#include "fxfer.h"
#include "tool_msgs.h"
#include "tool_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* The signal that asked us to stop, and the pipe its handler (and
 * SIGCHLD's) writes to, to wake poll(2). */
static volatile sig_atomic_t stop_sig;
static int wake[2] = { -1, -1 };

/* The children: a slot per job, pid 0 when free. */
struct kid {
	pid_t pid;
	int passed;  /* the gate: the client proved it may be served */
	char peer[80];
};
static struct kid *kids;
static unsigned long active, started, passed, succeeded;
/* The gate (sv_opts.gate): each child writes its slot here once its client
 * passed; -1 when there is none.  In a child: its slot. */
static int gate[2] = { -1, -1 };
static unsigned long my_slot;
static int worst;   /* the status of the last transfer that failed */
static struct timespec failed_at; /* when it did */
static int starved; /* accept(2) is out of descriptors or memory */
static int starved_told; /* ... and that was said */

static void on_signal(int sig)
{
	int e = errno;

	if (sig != SIGCHLD && stop_sig == 0)
		stop_sig = sig;
	(void)!write(wake[1], "", 1);
	errno = e;
}

static int setup(const int *lfds, size_t nl, unsigned long jobs, int gated)
{
	struct sigaction sa;

	if ((kids = calloc(jobs, sizeof(*kids))) == NULL || pipe(wake) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fcntl(wake[i], F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(wake[i], F_SETFD, FD_CLOEXEC) < 0)
			return -1;
	}
	for (size_t i = 0; i < nl; i++)
		if (fcntl(lfds[i], F_SETFL, fcntl(lfds[i], F_GETFL) | O_NONBLOCK) < 0)
			return -1;
	if (gated && (pipe(gate) < 0 || fcntl(gate[0], F_SETFL, O_NONBLOCK) < 0 ||
	              fcntl(gate[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(gate[1], F_SETFD, FD_CLOEXEC) < 0))
		return -1;
	tool_catch_stop_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, NULL);
}

/* Take back the slots of children that have ended; note how they ended. */
static void reap(const struct sv_opts *o)
{
	pid_t pid;
	int st;

	while (active > 0 && (pid = waitpid(-1, &st, WNOHANG)) != 0) {
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned long i = 0; i < o->jobs; i++) {
			if (kids[i].pid != pid)
				continue;
			kids[i].pid = 0;
			active--;
			/* A client that did not pass the gate was refused: it
			 * counts neither as served nor as failed. */
			if (o->gate && !kids[i].passed)
				break;
			if (WIFEXITED(st) && WEXITSTATUS(st) == EX_OK) {
				succeeded++;
				/* Counting successes, a failure made good by the
				 * client come back is no longer the verdict. */
				if (o->count_success)
					worst = EX_OK;
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &failed_at);
			if (WIFEXITED(st)) {
				worst = WEXITSTATUS(st);
				break;
			}
			/* Killed before it could report: its connection was reset. */
			worst = TOOL_EX_SIGNAL + WTERMSIG(st);
			if (o->log_each || tool_json_mode()) {
				char cut[160];
				struct tool_field f[] = { TOOL_F_STR("peer", kids[i].peer) };
				snprintf(cut, sizeof(cut), "%s: cut by signal %d, connection reset",
				         kids[i].peer, WTERMSIG(st));
				tool_fail_with(worst, 0, NULL, cut, f, 1);
			}
			break;
		}
	}
}

/* The listening sockets, for the children to close. */
static int *listeners;
static size_t nlisteners;

/* The child's side of the fork: never returns. */
static void child(int sock, const char *peer, pid_t listener, const sigset_t *mask,
                  const struct sv_opts *o)
{
	for (size_t i = 0; i < nlisteners; i++)
		close(listeners[i]);
	close(wake[0]);
	close(wake[1]);
	if (gate[0] >= 0)
		close(gate[0]);
	signal(SIGCHLD, SIG_DFL);
	/* A stop signal now ends the child at once: its connection resets
	 * (the handler only clears the meter's line, then dies by it). */
	tool_default_signals();
	tool_catch_stop_signals(tool_die_by_signal);
#ifdef __linux__
	/* Die with the listener, even when it is killed outright. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != listener)
		_exit(TOOL_EX_SIGNAL + SIGKILL);
#else
	(void)listener;
#endif
	sigprocmask(SIG_SETMASK, mask, NULL);
	_exit(o->serve(sock, peer, o->arg));
}

/* Give sock a process of its own; returns its pid, or -1 with errno. */
static pid_t spawn(int sock, const char *peer, const struct sv_opts *o)
{
	sigset_t all, old;
	pid_t listener = getpid(), pid;

	/* No signal reaches the child before it has its own dispositions. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(sock, peer, listener, &old, o);
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

/* Take one client from the backlog of lfd and hand it to a new process. */
static void take_client(int lfd, const struct sv_opts *o)
{
	unsigned long slot = 0;

	while (kids[slot].pid != 0) /* there is a free one: active < jobs */
		slot++;
	int sock = fx_accept_peer(lfd, kids[slot].peer, sizeof(kids[slot].peer)), status;

	if (sock < 0) {
		/* Out of descriptors or memory: the client stays in the backlog,
		 * and we wait a little rather than spin on it, saying so once. */
		starved = errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		          errno == ENOMEM;
		if (starved && !starved_told)
			tool_say("accept: %s (clients wait until there is room)", strerror(errno));
		starved_told |= starved;
		return;
	}
	starved_told = 0;
	/* Armed before any process can die with it: a cut is never a clean end. */
	if (fx_set_reset_on_close(sock) < 0) {
		close(sock);
		return;
	}
	/* Refused here, by a reset: no process for a client not allowed, so
	 * a flood of them cannot hold up one that is. */
	if (o->admit != NULL && !o->admit(sock, kids[slot].peer, o->arg)) {
		close(sock);
		kids[slot].peer[0] = '\0';
		return;
	}
	struct tool_field f[] = { TOOL_F_STR("peer", kids[slot].peer),
	                          TOOL_F_STR("outcome", "accepted") };
	tool_emit("client", NULL, f, 2);
	if ((status = o->ready(o->arg)) != EX_OK) {
		worst = status;
		close(sock);
		return;
	}
	if (kids[slot].peer[0] == '\0')
		strcpy(kids[slot].peer, "client");
	my_slot = slot;
	kids[slot].passed = 0;
	pid_t pid = spawn(sock, kids[slot].peer, o);
	close(sock);
	if (pid < 0) {
		worst = tool_fail(EX_OSERR, "fork", strerror(errno));
		return;
	}
	kids[slot].pid = pid;
	active++;
	started++;
	o->handed(o->arg);
}

/* Pass the signal sig on to every child (but_passed: but those whose
 * clients passed the gate), and wake a stopped one to die. */
static void signal_all(int sig, const struct sv_opts *o, int but_passed)
{
	for (unsigned long i = 0; i < o->jobs; i++) {
		if (kids[i].pid == 0 || (but_passed && kids[i].passed))
			continue;
		kill(kids[i].pid, sig);
		kill(kids[i].pid, SIGCONT);
	}
}

/* Have as many transfers as asked for been started (with a gate: passed
 * it; counting only those that succeeded: succeeded)? */
static int served_all(const struct sv_opts *o)
{
	return o->count && (o->count_success ? succeeded >= o->count :
	                    o->gate ? passed >= o->count : started == o->count);
}

/* The slots of the children whose clients passed the gate. */
static void read_gate(const struct sv_opts *o)
{
	unsigned long slot;

	while (gate[0] >= 0 && read(gate[0], &slot, sizeof(slot)) == (ssize_t)sizeof(slot)) {
		if (slot < o->jobs && kids[slot].pid != 0 && !kids[slot].passed) {
			kids[slot].passed = 1;
			passed++;
		}
	}
}

void sv_passed(void)
{
	if (gate[1] < 0)
		return;
	(void)!write(gate[1], &my_slot, sizeof(my_slot));
	close(gate[1]);
	gate[1] = -1;
}

/*
 * After a failed transfer (count_success), with none being served: the
 * milliseconds left to wait for the next client (-1: for ever), 0 once
 * they are over.  Says once per failure that it waits.
 */
static long long wait_left(const struct sv_opts *o, int *told)
{
	struct timespec now;

	if (!o->count_success || worst == EX_OK || active > 0 || served_all(o)) {
		*told = 0;
		return -1;
	}
	if (!*told && !o->quiet) {
		if (o->linger)
			tool_say("waiting up to %lu s for the client to come back (-t %lu)", o->linger,
			         o->linger);
		else
			tool_say("waiting for the client to come back (-t 0: for ever)");
	}
	*told = 1;
	if (o->linger == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (long long)o->linger * 1000 - (long long)(now.tv_sec - failed_at.tv_sec) * 1000 -
	               (now.tv_nsec - failed_at.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* Stop accepting: close the listening sockets (the clients still in their
 * backlogs are reset). */
static void close_all(int *lfds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lfds[i] >= 0)
			close(lfds[i]);
		lfds[i] = -1;
	}
}

int sv_run(int *lfds, size_t nl, const struct sv_opts *o)
{
	int forwarded = 0, ended_rest = 0, told = 0;
	struct pollfd p[2 + SV_LISTEN_MAX];

	if (nl > SV_LISTEN_MAX)
		nl = SV_LISTEN_MAX;
	listeners = lfds;
	nlisteners = nl;
	if (setup(lfds, nl, o->jobs, o->gate) < 0)
		return tool_fail(EX_OSERR, "setup", strerror(errno));
	for (;;) {
		/* Who passed the gate, before whose ends are seen. */
		read_gate(o);
		reap(o);
		if (stop_sig && !forwarded) {
			signal_all(stop_sig, o, 0);
			forwarded = 1;
		}
		/* Enough succeeded: a transfer still going (one the network
		 * dropped, its receiver already served again) is not needed,
		 * nor a client still at the gate. */
		if ((o->count_success || o->gate) && served_all(o) && !ended_rest) {
			signal_all(SIGTERM, o, !o->count_success);
			ended_rest = 1;
		}
		int listening = lfds[0] >= 0;
		long long left = listening ? wait_left(o, &told) : -1;
		/* Done accepting: stopped, served all, (one client) the one
		 * process could not be made, or no client came back in time. */
		if (listening && (stop_sig || served_all(o) || left == 0 ||
		                  (o->count == 1 && worst == EX_OSERR))) {
			close_all(lfds, nl);
			listening = 0;
		}
		if (!listening && active == 0)
			break;
		int taking = listening && active < o->jobs && !starved;
		int ms = starved ? 100 : left < 0 || !listening ? -1 : left > INT_MAX ? INT_MAX : (int)left;
		/* The gate's pipe is read at each turn: a child exits (waking
		 * the loop) only after it wrote there, if it did. */
		p[0] = (struct pollfd){ wake[0], POLLIN, 0 };
		for (size_t i = 0; i < nl; i++)
			p[1 + i] = (struct pollfd){ taking ? lfds[i] : -1, POLLIN, 0 };
		p[1 + nl] = (struct pollfd){ gate[0], POLLIN, 0 };
		if (poll(p, 2 + nl, ms) < 0 && errno != EINTR) {
			worst = tool_fail(EX_OSERR, "poll", strerror(errno));
			break;
		}
		char drain[64];
		while (read(wake[0], drain, sizeof(drain)) > 0)
			;
		starved = 0;
		/* One client a turn: the others' sockets are asked again. */
		for (size_t i = 0; taking && !stop_sig && i < nl; i++) {
			if (p[1 + i].revents & POLLIN) {
				take_client(lfds[i], o);
				break;
			}
		}
	}
	close_all(lfds, nl);
	free(kids);
	if (stop_sig)
		tool_die_by_signal(stop_sig);
	/* The transfers stopped once enough had succeeded do not count. */
	return o->count_success && served_all(o) ? EX_OK : worst;
}
