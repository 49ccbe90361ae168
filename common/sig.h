/* sig.h - SIGTERM/SIGINT handling for graceful drain.
 *
 * sig_install() makes SIGTERM and SIGINT set a flag and write one byte to a self-pipe,
 * so an event loop can poll sig_fd() and a blocking loop can test sig_stop_requested().
 * SIGPIPE is ignored. Call once from the main thread before starting other threads. */
#ifndef FINCHAT_SIG_H
#define FINCHAT_SIG_H

#include <stdbool.h>

int sig_install(void);
bool sig_stop_requested(void);
/* Read end of the self-pipe (non-blocking); readable once a stop was requested. */
int sig_fd(void);
/* Requests a stop from inside the program, as a signal would. Async-signal-safe. */
void sig_request_stop(void);

#endif
