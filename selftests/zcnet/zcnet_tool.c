// SPDX-License-Identifier: GPL-2.0
/* Running the zcnet tools of $ZCNET_TOOLS from a test, and their JSON. */
#include "zcnet_util.h"

/*
 * Run a tool from $ZCNET_TOOLS (in netns ns unless NULL) with its stdout
 * and stderr into out; returns the pid, or -errno. zc_fork() ties it to
 * the test.
 */
pid_t zc_tool_start(const char *ns, const char *const argv[], int *out)
{
	const char *dir = getenv("ZCNET_TOOLS");
	char path[512];
	int p[2];
	pid_t pid;

	if (!dir || pipe2(p, O_CLOEXEC))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, argv[0]);
	pid = zc_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		if (ns && zc_netns_enter(ns) < 0)
			_exit(126);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Reads the tool's output into buf until it holds text: true. */
bool zc_tool_wait_for(int out, char *buf, size_t size, const char *text)
{
	size_t n = 0;
	ssize_t r;

	buf[0] = 0;
	while (!strstr(buf, text) && n + 1 < size) {
		struct pollfd p = { .fd = out, .events = POLLIN };

		if (poll(&p, 1, 30000) <= 0)
			return false;
		r = read(out, buf + n, size - n - 1);
		if (r <= 0)
			return false;
		n += (size_t)r;
		buf[n] = 0;
	}
	return strstr(buf, text) != NULL;
}

/* The tool's exit status; the rest of its output appended to buf. */
int zc_tool_finish(pid_t pid, int out, char *buf, size_t size)
{
	size_t n = strlen(buf);
	ssize_t r;
	int status;

	while (n + 1 < size && (r = read(out, buf + n, size - n - 1)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(out);
	status = zc_wait(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The value of "key": in a JSON object, as text. */
const char *zc_json_val(const char *json, const char *key, char *val,
			    size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return "";
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p == '"')
		p++;
	while (*p && *p != '"' && *p != ',' && *p != '}' && n + 1 < size)
		val[n++] = *p++;
	val[n] = 0;
	return val;
}
