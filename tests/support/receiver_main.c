/*
 * receiver_main.c -- the `receiver` program of the sink e2e tests: a
 * loopback HTTP receiver (receiver.c) that appends every request it gets to
 * a JSON Lines file until SIGTERM or SIGINT.
 *
 *   receiver --log FILE [--port N] [--port-file FILE] [--secret S] [--status N]
 *
 * --port 0 (the default) takes any free port and writes it to --port-file
 * once listening, so a test can wait for the file; restarting with the same
 * --port brings the "same" receiver back. --status answers every request
 * with that status (503 plays a receiver that is down but reachable).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "receiver.h"

struct options {
    const char *log;
    const char *port_file;
    const char *secret;
    int port;
    int status;
};

static int parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->status = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--log") == 0)
            o->log = argv[i + 1];
        else if (strcmp(argv[i], "--port-file") == 0)
            o->port_file = argv[i + 1];
        else if (strcmp(argv[i], "--secret") == 0)
            o->secret = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            o->port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--status") == 0)
            o->status = atoi(argv[i + 1]);
        else
            return -1;
    }
    return o->log && argc % 2 == 1 && o->port >= 0 && o->port < 65536 ? 0 : -1;
}

/* Written to a temporary name, then renamed: a reader never sees half. */
static int write_port(const char *path, unsigned short port)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: receiver --log FILE [--port N] [--port-file FILE] "
                        "[--secret S] [--status N]\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the server's threads start */
    struct test_receiver *r = test_receiver_start((unsigned short)o.port, o.secret, o.log);
    if (!r) {
        fprintf(stderr, "receiver: cannot listen on 127.0.0.1:%d\n", o.port);
        return 1;
    }
    test_receiver_set_status(r, o.status);
    if (o.port_file && write_port(o.port_file, test_receiver_port(r)) != 0) {
        fprintf(stderr, "receiver: cannot write %s\n", o.port_file);
        test_receiver_stop(r);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    test_receiver_stop(r);
    return 0;
}
