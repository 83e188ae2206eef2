/* The programs' signals: catching the ones that stop them, and dying by one. */
#include "tool_signals.h"

#include "tool_meter.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static sigset_t caught;       /* the signals tool_catch_*_signals took, */
static int caught_sig[96];    /* also as a list */
static size_t ncaught;

/* Install handler for each of sigs[0..n) not ignored at start. */
static void catch_signals(const int *sigs, size_t n, void (*handler)(int))
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigfillset(&sa.sa_mask);
	if (ncaught == 0)
		sigemptyset(&caught);
	for (size_t i = 0; i < n; i++) {
		if (sigaction(sigs[i], NULL, &old) < 0 || old.sa_handler == SIG_IGN)
			continue;
		if (ncaught == sizeof(caught_sig) / sizeof(caught_sig[0]) ||
		    sigaction(sigs[i], &sa, NULL) < 0)
			continue;
		sigaddset(&caught, sigs[i]);
		caught_sig[ncaught++] = sigs[i];
	}
}

void tool_catch_stop_signals(void (*handler)(int))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	catch_signals(sigs, sizeof(sigs) / sizeof(sigs[0]), handler);
}

void tool_catch_fatal_signals(void (*handler)(int))
{
	/* Every signal whose default action ends the process (SIGPIPE and
	 * SIGXFSZ are ignored), the faults too: kill(1) can send them, and a
	 * real fault, once the handler has cleaned up, faults again and ends
	 * the process as it would have. */
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
		SIGABRT, SIGVTALRM, SIGPROF, SIGXCPU, SIGSEGV, SIGBUS, SIGILL,
		SIGFPE, SIGSYS, SIGTRAP,
#ifdef SIGPOLL
		SIGPOLL,
#endif
#ifdef SIGPWR
		SIGPWR,
#endif
#ifdef SIGSTKFLT
		SIGSTKFLT,
#endif
	};

	catch_signals(sigs, sizeof(sigs) / sizeof(sigs[0]), handler);
#ifdef SIGRTMIN
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		catch_signals(&sig, 1, handler);
#endif
}

void tool_default_signals(void)
{
	for (size_t i = 0; i < ncaught; i++)
		signal(caught_sig[i], SIG_DFL);
	sigemptyset(&caught);
	ncaught = 0;
}

void tool_block_signals(void)
{
	sigprocmask(SIG_BLOCK, &caught, NULL);
}

void tool_unblock_signals(void)
{
	sigprocmask(SIG_UNBLOCK, &caught, NULL);
}

void tool_die_by_signal(int sig)
{
	struct sigaction sa;
	sigset_t s;

	tool_meter_clear_at_death();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	/* Only if the signal could not end us (it cannot be): the same status. */
	_exit(TOOL_EX_SIGNAL + sig);
}
