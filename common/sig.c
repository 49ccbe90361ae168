/* sig.c - the stop flag and its self-pipe. */
#include "sig.h"

#include "err.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int stop_flag;
static int pipe_fds[2] = {-1, -1};

void sig_request_stop(void)
{
    char b = 1;

    atomic_store(&stop_flag, 1);
    if (pipe_fds[1] >= 0 && write(pipe_fds[1], &b, 1) < 0) {
        /* The pipe is full: a wake-up is already pending. */
    }
}

static void on_signal(int signo)
{
    (void)signo;
    sig_request_stop();
}

int sig_install(void)
{
    struct sigaction sa;

    if (pipe(pipe_fds) != 0)
        return FC_EIO;
    for (int i = 0; i < 2; i++) {
        fcntl(pipe_fds[i], F_SETFL, fcntl(pipe_fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    return 0;
}

bool sig_stop_requested(void)
{
    return atomic_load(&stop_flag) != 0;
}

int sig_fd(void)
{
    return pipe_fds[0];
}
