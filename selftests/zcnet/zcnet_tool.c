// SPDX-License-Identifier: GPL-2.0
/* Running the zcnet tools of $ZCNET_TOOLS from a test, and their JSON. */
#include <limits.h>

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

	if (argv[0][0] == '/')
		snprintf(path, sizeof(path), "%s", argv[0]);
	else if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, argv[0]);
	else
		return -ENOENT;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
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

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* After a JSON string at p (its opening quote), or NULL. */
static const char *json_str(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"' && *p != '\n'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p == '"' ? p + 1 : NULL;
}

/* After a JSON number, string, true, false or null at p, or NULL. */
static const char *json_value(const char *p)
{
	static const char *const words[] = { "true", "false", "null" };
	char *end;

	if (*p == '"')
		return json_str(p);
	for (unsigned int i = 0; i < 3; i++)
		if (!strncmp(p, words[i], strlen(words[i])))
			return p + strlen(words[i]);
	if (*p != '-' && (*p < '0' || *p > '9'))
		return NULL;
	strtod(p, &end);
	return end > p ? end : NULL;
}

bool zc_json_flat(const char *line)
{
	const char *p = json_ws(line);

	if (*p++ != '{')
		return false;
	p = json_ws(p);
	if (*p == '}')
		return !*json_ws(p + 1) || *json_ws(p + 1) == '\n';
	for (;;) {
		p = json_str(json_ws(p));
		if (!p)
			return false;
		p = json_ws(p);
		if (*p++ != ':')
			return false;
		p = json_value(json_ws(p));
		if (!p)
			return false;
		p = json_ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',')
			return false;
	}
	p = json_ws(p + 1);
	return !*p || *p == '\n';
}

bool zc_line_next(const char **pos, const char *text, char *line,
		  size_t size)
{
	const char *p = *pos, *nl;
	size_t n;

	while (*p) {
		nl = strchrnul(p, '\n');
		n = (size_t)(nl - p);
		*pos = *nl ? nl + 1 : nl;
		if (n < size) {
			memcpy(line, p, n);
			line[n] = 0;
			if (strstr(line, text))
				return true;
		}
		p = *pos;
	}
	return false;
}

/* The number of key in a JSON line, or ULLONG_MAX without it. */
static unsigned long long json_u64(const char *line, const char *key)
{
	char val[64];

	if (!*zc_json_val(line, key, val, sizeof(val)))
		return ULLONG_MAX;
	return strtoull(val, NULL, 10);
}

int zc_progress_check(const char *out, const char *unit, char *why,
		      size_t size)
{
	static const char *const keys[] = { "interval", "final", "elapsed",
		"seconds", "bytes", "gbit_per_s", "total_bytes" };
	unsigned long long units = 0, bytes = 0, total = 0, total_b = 0, v;
	char line[2048], key[64], val[64];
	const char *pos = out;
	bool final = false;
	unsigned int i;
	int n = 0;

	while (zc_line_next(&pos, "\"type\":\"progress\"", line,
			    sizeof(line))) {
		n++;
		if (!zc_json_flat(line) || final) {
			snprintf(why, size, "%s: %.200s", final ? "a line after "
				 "the final one" : "not a JSON object", line);
			return -1;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (!*zc_json_val(line, keys[i], val, sizeof(val))) {
				snprintf(why, size, "no \"%s\": %.200s",
					 keys[i], line);
				return -1;
			}
		}
		if (json_u64(line, "interval") != (unsigned int)n) {
			snprintf(why, size, "not line %d: %.200s", n, line);
			return -1;
		}
		final = !strcmp(zc_json_val(line, "final", val, sizeof(val)),
				"true");
		bytes += json_u64(line, "bytes");
		v = json_u64(line, "total_bytes");
		if (v < total_b) {
			snprintf(why, size, "the total shrank: %.200s", line);
			return -1;
		}
		total_b = v;
		if (!unit)
			continue;
		snprintf(key, sizeof(key), "total_%s", unit);
		units += json_u64(line, unit);
		v = json_u64(line, key);
		if (v == ULLONG_MAX || v < total) {
			snprintf(why, size, "no %s, or it shrank: %.200s", key,
				 line);
			return -1;
		}
		total = v;
	}
	pos = out;
	if (!final) {
		snprintf(why, size, "no final line");
		return -1;
	}
	if (total_b != bytes || total != units) {
		snprintf(why, size, "the totals %llu, %llu are not the sums "
			 "%llu, %llu", total_b, total, bytes, units);
		return -1;
	}
	if (!zc_line_next(&pos, "\"ok\":", line, sizeof(line)) ||
	    strstr(line, "\"type\"")) {
		snprintf(why, size, "no report after the lines");
		return -1;
	}
	if (json_u64(line, "bytes") != total_b ||
	    (unit && json_u64(line, unit) != total)) {
		snprintf(why, size, "the report's totals are not the final "
			 "line's (%llu bytes, %llu %s)", total_b, total,
			 unit ? unit : "-");
		return -1;
	}
	return n;
}

int zc_progress_text(const char *out, const char *tool, char *last,
		     size_t size)
{
	char line[1024], pat[64];
	const char *pos = out;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s: ", tool);
	last[0] = 0;
	while (zc_line_next(&pos, " Gbit/s  total ", line, sizeof(line))) {
		if (strncmp(line, pat, strlen(pat)))
			continue;
		n++;
		snprintf(last, size, "%s", line);
	}
	return n;
}

const char *zc_report_val(const char *out, const char *key, char *val,
			  size_t size)
{
	char rep[4096];
	const char *pos = out;

	if (!zc_line_next(&pos, "\"ok\":", rep, sizeof(rep)))
		return "";
	return zc_json_val(rep, key, val, size);
}
