// SPDX-License-Identifier: GPL-2.0-only
/* serve and remote: a guest's sinks and generators, run on its host. */
/*
 * The guest under measurement runs "remote HOST ARGS..."; it connects to
 * "serve" on HOST, sends ARGS as one line and copies what comes back to
 * its standard output. serve runs "zcnet-bench ARGS..." (sink, gen or get
 * only; or zcnet-recv, the tool beside it, for make demo) with standard
 * output and error on the connection, then sends one last line "remote
 * exit=N", N its exit status, which remote returns as its own.
 * The connection is also the program's standard input: remote shuts down
 * its sending side on SIGUSR1, and a sink run with --until-eof ends there;
 * on SIGUSR2 it sends one byte, at which get --until-eof starts its load.
 * serve only peeks at that input, to see its end, and leaves the bytes to
 * the program.
 * (The guest cannot time the host: under icount its clock jumps while it
 * idles, so a sink's end is said, not waited for.) serve keeps the time
 * instead: REMOTE_GRACE seconds after that end, or REMOTE_LIMIT after the
 * start, it stops the program with SIGTERM (a sink still prints what it
 * counted), and SIGKILL follows if that does not do. get, which ends by
 * itself once its last bodies are read, has only REMOTE_LIMIT.
 * serve is meant for a private network namespace that only the guest
 * reaches: it runs nothing but this program's sinks, generators and HTTP
 * client and zcnet-recv, with no argument that could name a file (no
 * '/'), and it ends with its parent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define REMOTE_PORT	5200
#define REMOTE_LINE	1024
#define REMOTE_ARGS	64
#define REMOTE_EXIT	"remote exit="
#define REMOTE_GRACE	5
#define REMOTE_LIMIT	600

static int addr_parse(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strchr(s, ':');
	uint64_t port = REMOTE_PORT;
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (len >= sizeof(host) || (colon && !parse_u64(colon + 1, 1, 65535,
							  &port)))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

/* Read the request line, split it, check it; NULL with a message. */
static char **request(int fd, char *line, char **argv)
{
	size_t n = 0;
	ssize_t got;
	int argc = 1;
	char *save, *w;

	while (n < REMOTE_LINE - 1 && !memchr(line, '\n', n)) {
		got = read(fd, line + n, REMOTE_LINE - 1 - n);
		if (got <= 0)
			return NULL;
		n += (size_t)got;
	}
	line[n] = '\0';
	if (!strchr(line, '\n'))
		return NULL;
	*strchr(line, '\n') = '\0';
	argv[0] = "zcnet-bench";
	for (w = strtok_r(line, " ", &save); w && argc < REMOTE_ARGS - 1;
	     w = strtok_r(NULL, " ", &save)) {
		if (strchr(w, '/'))	/* no file of the host is the guest's */
			return NULL;
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc < 2 || (strcmp(argv[1], "sink") && strcmp(argv[1], "gen") &&
			 strcmp(argv[1], "get") &&
			 strcmp(argv[1], "zcnet-recv")))
		return NULL;
	return argv;
}

/* The program name in this program's directory. */
static const char *sibling(char *buf, size_t size, const char *name)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	if (!slash || (size_t)(slash - buf) + strlen(name) + 2 > size)
		return name;
	strcpy(slash + 1, name);
	return buf;
}

/* Wait for pid, ending it when remote said so or time is up. */
static int watch(int fd, pid_t pid, int *status, int grace)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double end = now_seconds() + REMOTE_LIMIT, now;
	bool ended = false;
	int sig = SIGTERM;
	ssize_t n;
	pid_t got;
	char c;

	while (!(got = waitpid(pid, status, WNOHANG))) {
		now = now_seconds();
		if (!ended && poll(&p, 1, 0) == 1 &&
		    (n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT)) <= 0 &&
		    (!n || (errno != EAGAIN && errno != EINTR))) {
			ended = true;
			if (now + grace < end)
				end = now + grace;
		}
		if (now >= end) {
			kill(pid, sig);
			sig = SIGKILL;
			end = now + REMOTE_GRACE;
		}
		usleep(20000);
	}
	return got < 0 ? -1 : 0;
}

/* One connection: run the request in a child, then report its status. */
static void serve_one(int fd)
{
	char line[REMOTE_LINE], msg[64], *args[REMOTE_ARGS], path[PATH_MAX];
	struct timeval tv = { .tv_sec = 10 };
	int status = 0;
	pid_t pid;

	signal(SIGCHLD, SIG_DFL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!request(fd, line, args)) {
		snprintf(msg, sizeof(msg), "zcnet-bench serve: bad request\n"
			 REMOTE_EXIT "%d\n", EXIT_USAGE);
		if (write(fd, msg, strlen(msg)) < 0)
			_exit(EXIT_FAILED);
		_exit(EXIT_USAGE);
	}
	pid = fork();
	if (pid == 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		if (!strcmp(args[1], "zcnet-recv"))
			execv(sibling(path, sizeof(path), "zcnet-recv"), args + 1);
		else
			execv("/proc/self/exe", args);
		fprintf(stderr, "zcnet-bench serve: exec: %s\n", strerror(errno));
		_exit(EXIT_FAILED);
	}
	if (pid < 0 || watch(fd, pid, &status, strcmp(args[1], "get") ?
				REMOTE_GRACE : REMOTE_LIMIT) < 0)
		status = EXIT_FAILED << 8;
	snprintf(msg, sizeof(msg), REMOTE_EXIT "%d\n", WIFEXITED(status) ?
		 WEXITSTATUS(status) : EXIT_FAILED);
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(EXIT_FAILED);
	_exit(0);
}

int bench_serve(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port ? port :
						     REMOTE_PORT) };
	struct sigaction sa = { .sa_handler = SIG_IGN,
				.sa_flags = SA_NOCLDWAIT };
	int one = 1, s, fd;
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		return EXIT_FAILED;
	sigaction(SIGCHLD, &sa, NULL);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) || listen(s, 16)) {
		errmsg("serve: cannot listen on port %u: %s",
		       ntohs(sin.sin_port), strerror(errno));
		return EXIT_FAILED;
	}
	fprintf(stderr, "zcnet-bench: serving on port %u\n",
		ntohs(sin.sin_port));
	for (;;) {
		fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			errmsg("serve: accept: %s", strerror(errno));
			return EXIT_FAILED;
		}
		if (fork() == 0) {
			close(s);
			serve_one(fd);
		}
		close(fd);
	}
}

static int remote_fd = -1;

static void remote_end(int sig)
{
	(void)sig;
	shutdown(remote_fd, SHUT_WR);
}

static void remote_go(int sig)
{
	(void)sig;
	(void)send(remote_fd, "\n", 1, MSG_NOSIGNAL);
}

int bench_remote(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = remote_end,
				.sa_flags = SA_RESTART };
	char line[REMOTE_LINE], buf[REMOTE_LINE];
	struct sockaddr_in sin;
	size_t len = 0;
	int i, fd = -1, rc = EXIT_FAILED;
	FILE *in;

	if (argc < 4 || addr_parse(argv[2], &sin))
		usage_error("want 'remote IPV4[:PORT] "
			    "sink|gen|get|zcnet-recv ...'");
	for (i = 3; i < argc; i++) {
		if (strchr(argv[i], ' ') || strchr(argv[i], '\n') ||
		    len + strlen(argv[i]) + 2 > sizeof(line))
			usage_error("remote: arguments too long or with spaces");
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
					argv[i], i + 1 < argc ? " " : "\n");
	}
	for (i = 0; i < 50 && fd < 0; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin,
				       sizeof(sin))) {
			close(fd);
			fd = -1;
			usleep(100000);
		}
	}
	if (fd < 0 || write(fd, line, len) != (ssize_t)len) {
		errmsg("remote: cannot reach %s: %s", argv[2], strerror(errno));
		return EXIT_FAILED;
	}
	remote_fd = fd;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = remote_go;
	sigaction(SIGUSR2, &sa, NULL);
	in = fdopen(fd, "r");
	while (in && fgets(buf, sizeof(buf), in)) {
		if (!strncmp(buf, REMOTE_EXIT, strlen(REMOTE_EXIT))) {
			rc = atoi(buf + strlen(REMOTE_EXIT));
			break;
		}
		fputs(buf, stdout);
		fflush(stdout);
	}
	if (in)
		fclose(in);
	else
		close(fd);
	return rc;
}
