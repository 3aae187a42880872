/*
 * pty_run: run a command on a fresh pseudo-terminal, as an administrator at
 * a terminal would, to test stagegate-sign's passphrase prompt.
 *
 *   pty_run PROMPT ANSWER -- COMMAND [ARGS...]
 *
 * Waits (30 s at most for each output) until PROMPT appears in the command's output,
 * checks that the terminal's echo is off at that moment, types ANSWER and
 * a newline, and copies everything the command writes to stdout. Exit
 * status: the command's, or 90 if PROMPT never came, 91 if echo was on
 * (a passphrase would have been shown), 92 if the pty could not be made.
 * PROMPT "" types nothing and just relays (a command that must not ask).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: pty_run PROMPT ANSWER -- COMMAND [ARGS...]\n");
    return 2;
  }
  const char *prompt = argv[1], *answer = argv[2];
  int master = -1;
  const pid_t pid = forkpty(&master, NULL, NULL, NULL);
  if (pid < 0) {
    perror("forkpty");
    return 92;
  }
  if (pid == 0) {
    execvp(argv[4], argv + 4);
    perror("exec");
    _exit(127);
  }
  char seen[65536];
  size_t used = 0;
  int typed = prompt[0] == '\0', echo_on = 0, timed_out = 0;
  for (;;) {
    struct pollfd p = {master, POLLIN, 0};
    const int r = poll(&p, 1, 30000); /* a loaded CI machine is slow */
    if (r == 0) {
      timed_out = 1;
      break;
    }
    if (r < 0 && errno == EINTR) {
      continue;
    }
    char buf[4096];
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) {
      break; /* EIO: the command closed the terminal */
    }
    (void)!write(STDOUT_FILENO, buf, (size_t)n);
    if (used + (size_t)n < sizeof seen) {
      memcpy(seen + used, buf, (size_t)n);
      used += (size_t)n;
      seen[used] = '\0';
    }
    if (!typed && strstr(seen, prompt) != NULL) {
      struct termios t;
      if (tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO) != 0) {
        echo_on = 1;
      }
      (void)!write(master, answer, strlen(answer));
      (void)!write(master, "\n", 1);
      typed = 1;
    }
  }
  if (timed_out) {
    kill(pid, SIGKILL);
  }
  int status = 0;
  (void)waitpid(pid, &status, 0);
  if (!typed) {
    fprintf(stderr, "pty_run: no prompt '%s'\n", prompt);
    return 90;
  }
  if (echo_on) {
    fprintf(stderr, "pty_run: echo was on at the prompt\n");
    return 91;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
