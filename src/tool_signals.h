/* The programs' signals: catching the ones that stop them, and dying by one. */
#ifndef TOOL_SIGNALS_H
#define TOOL_SIGNALS_H

/* 128 + signal number: the status of a program stopped by a signal. */
#define TOOL_EX_SIGNAL 128

/*
 * Run handler, without SA_RESTART, for the signals that ask a program to
 * stop (SIGINT, SIGTERM, SIGHUP: tool_catch_stop_signals), or for every
 * signal whose default is to end the process (tool_catch_fatal_signals).
 * A signal that was ignored when the program started stays ignored, as
 * nohup(1) and shells expect.  The handler runs with all these signals
 * blocked.
 */
void tool_catch_stop_signals(void (*handler)(int));
void tool_catch_fatal_signals(void (*handler)(int));

/* Put back the default action of every signal caught above (in a child). */
void tool_default_signals(void);

/* Block (or with unblock, unblock) every signal caught above. */
void tool_block_signals(void);
void tool_unblock_signals(void);

/*
 * Die by signal sig the way a shell can see (WIFSIGNALED, $? = 128 + sig):
 * clear the progress meter, restore the signal's default action, unblock it
 * and raise it.  Async-signal-safe, so a handler may end with it.  Never
 * returns.
 */
void tool_die_by_signal(int sig)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;

#endif
