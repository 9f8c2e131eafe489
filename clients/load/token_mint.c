#include "token_mint.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int token_mint(const char *bin, const char *data_dir, const char *meeting, const char *role,
               const char *site, char *out, size_t cap, char *err, size_t errcap)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, errcap, "pipe: %s", strerror(errno));
        return -1;
    }
    const char *argv[16] = {bin,     "token",  "--data", data_dir, "--meeting",
                            meeting, "--role", role,     "--ttl",  "43200"};
    int argc = 10;
    if (site && *site) {
        argv[argc++] = "--site";
        argv[argc++] = site;
    }
    argv[argc] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(err, errcap, "cannot run %s: %s", bin, strerror(rc));
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(fds[0], out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    out[len] = '\0';
    while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || strncmp(out, "dh1.", 4) != 0) {
        snprintf(err, errcap, "%s token --meeting %s --role %s failed", bin, meeting, role);
        return -1;
    }
    return 0;
}
