// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-httpd: its options and report (the server: httpd/). */
#include <stdio.h>
#include <stdlib.h>

#include "libzcnet.h"
#include "traffic.h"
#include "httpd.h"

#define PROG	"zcnet-httpd"

static struct hd_opts o = {
	.root = ".", .listen = ":8080", .max_conns = 1024, .timeout = 60,
	.copy_threshold = 0, .max_pinned = UINT64_C(1) << 30,
	.max_files = 256,
};
static uint64_t copy_threshold;

static struct opt opts[] = {
	OSTR("root", 'd', o.root, "DIR", "serve the files below DIR "
	     "(default: the current\ndirectory)"),
	OSTR("listen", 'l', o.listen, "[HOST]:PORT", "listen on HOST:PORT "
	     "(default :8080, any\naddress; [V6ADDR]:PORT for IPv6)"),
	OFLAG("sendfile", 0, o.sendfile, "send with send(2) and sendfile(2), "
	      "not zcnet,\nfor comparison"),
	ONUM("max-conns", 'c', o.max_conns, 1, 65535, "N", "connections at "
	     "once (default 1024); more wait\nin the listen backlog",
	     "connection count (1..65535)"),
	OSECS("timeout", 't', o.timeout, "SECONDS", "end a connection after "
	      "SECONDS without\nprogress (default 60)",
	      "timeout (seconds, > 0)"),
	ONUM("copy-threshold", 0, copy_threshold, 0, 1 << 20, "BYTES",
	     "zcnet: copy writes of at most BYTES\n(default 0: none, as "
	     "sendfile(2) copies none)", "copy threshold (0..1048576)"),
	ONUM("max-pinned", 0, o.max_pinned, 1, UINT64_MAX, "BYTES", "zcnet: "
	     "pin at most BYTES of files at once\n(default 1 GiB); larger "
	     "files go by sendfile", "byte count"),
	ONUM("max-files", 0, o.max_files, 1, 65536, "N", "files kept open at "
	     "once (default 256)", "file count (1..65536)"),
	OFLAG("json", 'j', o.json, "print the report as one JSON object"),
	OFLAG("quiet", 'q', o.quiet, "no report at the end"),
	OEND
};

static const char head[] =
"Usage: " PROG " [-d DIR] [-l [HOST]:PORT] [--sendfile] [-c N] [-t SECONDS]\n"
"                   [--copy-threshold BYTES] [--max-pinned BYTES]\n"
"                   [--max-files N] [-j] [-q]\n"
"Serve the files below DIR over HTTP/1.1 (GET, HEAD, keep-alive, one\n"
"byte range per request), sending their page cache through one zcnet\n"
"context with no copy into this process.\n\n";

static const char tail[] =
"Every connection's socket is attached to the context; file bodies go\n"
"from read-only regions over the files' page cache, heads from a small\n"
"registered buffer. Files zcnet cannot pin (larger than --max-pinned or\n"
"the module's region limit, or on a file system without page cache) go\n"
"by sendfile(2). It prints a line on stdout once listening, and runs\n"
"until SIGINT or SIGTERM, then ends every connection, waits for the last\n"
"completions and prints its report.\n"
"Exit status: 0 when no completion failed unexpectedly and none was\n"
"lost, 1 otherwise, 2 on bad arguments, 4 when the zcnet module has no\n"
"socket sends from file regions.\n\n";

static void more_help(FILE *f)
{
	fputs(tail, f);
}

static void report(const struct hd_stats *st, bool ok)
{
	struct rep p;

	rep_begin(&p, o.json ? REP_JSON : REP_TEXT, PROG);
	rep_str(&p, "tool", NULL, PROG);
	rep_str(&p, "method", "method", o.sendfile ? "sendfile" : "zcnet");
	rep_bool(&p, "ok", NULL, ok);
	rep_u64(&p, "connections", "connections", st->accepted);
	rep_u64(&p, "closed", "closed", st->closed);
	rep_u64(&p, "aborted", "aborted", st->aborted);
	rep_u64(&p, "timeouts", "timed out", st->timeouts);
	rep_u64(&p, "requests", "requests", st->requests);
	rep_u64(&p, "status_2xx", "2xx", st->status[2]);
	rep_u64(&p, "status_4xx", "4xx", st->status[4]);
	rep_u64(&p, "status_5xx", "5xx", st->status[5]);
	rep_u64(&p, "body_bytes", "body bytes", st->body_bytes);
	rep_u64(&p, "descriptors", "descriptors", st->descs);
	rep_u64(&p, "completions", "completions", st->completions);
	rep_u64(&p, "copied", "copied", st->copied);
	rep_u64(&p, "copied_bytes", "copied bytes", st->copied_bytes);
	rep_u64(&p, "cancelled", "cancelled", st->cancelled);
	rep_u64(&p, "errors", "errors", st->errors);
	rep_u64(&p, "bad_cookies", "bad cookies", st->bad_cookies);
	rep_u64(&p, "out_of_order", "out of order", st->out_of_order);
	rep_u64(&p, "classic", "by sendfile", st->classic);
	rep_u64(&p, "ring_waits", "ring waits", st->waits);
	rep_u64(&p, "wakeups", "wakeups", st->wakeups);
	rep_u64(&p, "inflight_at_exit", "in flight",
		st->inflight_at_exit);
	rep_end(&p);
}

int main(int argc, char **argv)
{
	static const char *const zcnet_only[] = { "copy-threshold",
						  "max-pinned", NULL };
	struct hd_stats st = { 0 };
	bool ok;
	int rc;

	util_prog = PROG;
	opts_parse(argc, argv, opts, head, more_help);
	if (o.sendfile)
		opts_forbid(opts, zcnet_only, "is for zcnet, not --sendfile");
	if (opts_seen(opts, "copy-threshold"))
		o.copy_threshold = (int64_t)copy_threshold;
	o.stop = install_stop_signals();
	rc = hd_serve(&o, &st);
	ok = !rc && !st.errors && !st.bad_cookies && !st.out_of_order &&
	     !st.inflight_at_exit && st.descs == st.completions;
	if (!o.quiet && (!rc || st.accepted))
		report(&st, ok);
	return rc ? rc : ok ? 0 : EXIT_FAILED;
}
