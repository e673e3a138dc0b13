/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running zcnet-send, zcnet-recv, zcnet-httpd ($ZCNET_TOOLS) and other
 * programs from a test, and reading their JSON reports (zcnet_tool.c).
 * Included by zcnet_util.h only.
 */
#ifndef ZCNET_TOOL_H
#define ZCNET_TOOL_H

/*
 * Run a tool from $ZCNET_TOOLS, or the program argv[0] names when it is an
 * absolute path (in netns ns unless NULL), with its stdout and stderr
 * into out; returns the pid, or -errno.
 */
pid_t zc_tool_start(const char *ns, const char *const argv[], int *out);

/* Reads the tool's output into buf until it holds text: true. */
bool zc_tool_wait_for(int out, char *buf, size_t size, const char *text);

/* The tool's exit status; the rest of its output appended to buf. */
int zc_tool_finish(pid_t pid, int out, char *buf, size_t size);

/* The value of "key": in a JSON object, as text ("" if none). */
const char *zc_json_val(const char *json, const char *key, char *val,
			size_t size);

/*
 * Whether line (up to its newline) is one flat JSON object: string keys,
 * values that are strings, numbers, true, false or null.
 */
bool zc_json_flat(const char *line);

/*
 * The next line of a tool's output after *pos that holds text (a line of
 * less than size bytes), copied into line; false after the last. *pos
 * starts at the output.
 */
bool zc_line_next(const char **pos, const char *text, char *line,
		  size_t size);

/*
 * The --interval -j lines in a tool's output: each a flat JSON object with
 * "type":"progress" and the keys of its counts (unit "frames", "writes",
 * or NULL for bytes alone), numbered 1, 2, ..., totals that never shrink
 * and add up the intervals', the last one final with the totals of the
 * report (the JSON line with "ok"). How many; -1 with why otherwise.
 */
int zc_progress_check(const char *out, const char *unit, char *why,
		      size_t size);

/* The text lines of tool in out, how many; the last one into last. */
int zc_progress_text(const char *out, const char *tool, char *last,
		     size_t size);

/* The value of key in the report (the JSON line with "ok"), as text. */
const char *zc_report_val(const char *out, const char *key, char *val,
			  size_t size);

#endif /* ZCNET_TOOL_H */
