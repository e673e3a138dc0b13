// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-httpd: HTTP/1.x request parsing, ranges and response heads. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "httpd.h"

/* The end of the head (the blank line) in buf[0..len), or NULL. */
static const char *head_end(const char *buf, size_t len, size_t *skip)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n') {
			*skip = 2;
			return buf + i;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*skip = 3;
			return buf + i;
		}
	}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The path of an origin-form target, percent-decoded, without its query:
 * false for anything else, a NUL, or a "." or ".." segment.
 */
static bool target_path(const char *t, size_t len, char *out)
{
	size_t i, n = 0;
	char *seg;

	if (!len || t[0] != '/')
		return false;
	for (i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		char c = t[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hexval(t[i + 1]);
			lo = hexval(t[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c || n + 1 >= HTTP_PATH_MAX)
			return false;
		out[n++] = c;
	}
	out[n] = 0;
	for (seg = out; seg; seg = strchr(seg + 1, '/')) {
		if (!strncmp(seg, "/.", 2) &&
		    (!seg[2] || seg[2] == '/' ||
		     (seg[2] == '.' && (!seg[3] || seg[3] == '/'))))
			return false;
	}
	return true;
}

static bool parse_u64_part(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	if (p == end || !isdigit((unsigned char)*p))
		return false;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	return true;
}

/* "bytes=A-B", "bytes=A-" or "bytes=-N"; others (several ranges) unused. */
static void parse_range(const char *v, const char *end, struct http_req *req)
{
	const char *p = v;
	uint64_t a = 0, b = UINT64_MAX;

	if (end - p < 6 || strncasecmp(p, "bytes=", 6))
		return;
	p += 6;
	if (p < end && *p == '-') {
		p++;
		if (!parse_u64_part(&p, end, &b) || p != end)
			return;
		req->suffix = true;
	} else {
		if (!parse_u64_part(&p, end, &a) || p == end || *p++ != '-')
			return;
		if (p != end && (!parse_u64_part(&p, end, &b) || p != end))
			return;
		if (b < a)
			return;
	}
	req->range = true;
	req->r_first = a;
	req->r_last = b;
}

static bool token_in(const char *v, const char *end, const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = v; p + n <= end; p++) {
		if (strncasecmp(p, tok, n))
			continue;
		if ((p == v || p[-1] == ',' || p[-1] == ' ') &&
		    (p + n == end || p[n] == ',' || p[n] == ' '))
			return true;
	}
	return false;
}

static ssize_t bad(struct http_req *req, int status)
{
	req->status = status;
	req->keep_alive = false;
	return -1;
}

ssize_t http_parse(const char *buf, size_t len, size_t max,
		   struct http_req *req)
{
	const char *end, *line, *eol, *sp1, *sp2, *colon, *v, *ve;
	bool host = false, if_range = false, conn_close = false;
	bool conn_keep = false;
	size_t skip, lead = 0;
	int minor;

	memset(req, 0, sizeof(*req));
	/* empty lines before a request are allowed */
	while (lead < len && (buf[lead] == '\r' || buf[lead] == '\n'))
		lead++;
	buf += lead;
	len -= lead;
	end = head_end(buf, len, &skip);
	if (!end)
		return lead + len >= max ? bad(req, 431) : 0;
	eol = memchr(buf, '\n', (size_t)(end - buf) + 1);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp2)
		return bad(req, 400);
	if (sp1 - buf == 3 && !memcmp(buf, "GET", 3))
		req->method = HTTP_GET;
	else if (sp1 - buf == 4 && !memcmp(buf, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	v = sp2 + 1;
	ve = eol > v && eol[-1] == '\r' ? eol - 1 : eol;
	if (ve - v != 8 || memcmp(v, "HTTP/1.", 7) || !isdigit((unsigned char)v[7]))
		return bad(req, ve - v >= 5 && !memcmp(v, "HTTP/", 5) ? 505 : 400);
	minor = v[7] - '0';
	req->keep_alive = minor >= 1;
	req->http10 = !minor;
	if (!target_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), req->path))
		return bad(req, 400);
	for (line = eol + 1; line <= end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line) + 1);
		ve = eol > line && eol[-1] == '\r' ? eol - 1 : eol;
		colon = memchr(line, ':', (size_t)(ve - line));
		if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
			return bad(req, 400);
		v = colon + 1;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
#define IS(name) ((size_t)(colon - line) == sizeof(name) - 1 && \
		  !strncasecmp(line, name, sizeof(name) - 1))
		if (IS("host")) {
			if (host)
				return bad(req, 400);
			host = true;
		} else if (IS("connection")) {
			conn_close |= token_in(v, ve, "close");
			conn_keep |= token_in(v, ve, "keep-alive");
		} else if (IS("range")) {
			parse_range(v, ve, req);
		} else if (IS("if-range")) {
			if_range = true;
		} else if (IS("transfer-encoding") ||
			   (IS("content-length") && (ve - v != 1 || *v != '0'))) {
			/* a request body: not for GET or HEAD here */
			return bad(req, 400);
		}
#undef IS
	}
	if (minor >= 1 && !host)
		return bad(req, 400);
	if (conn_close)
		req->keep_alive = false;
	else if (conn_keep)
		req->keep_alive = true;
	/* no validators are sent, so none can match: the whole file */
	if (if_range)
		req->range = false;
	return (ssize_t)lead + (end - buf) + (ssize_t)skip;
}

int http_range(const struct http_req *req, uint64_t size, uint64_t *first,
	       uint64_t *len)
{
	uint64_t last;

	*first = 0;
	*len = size;
	if (!req->range)
		return 200;
	if (req->suffix) {
		if (!req->r_last || !size)
			return 416;
		*len = req->r_last < size ? req->r_last : size;
		*first = size - *len;
		return 206;
	}
	if (req->r_first >= size)
		return 416;
	last = req->r_last < size - 1 ? req->r_last : size - 1;
	*first = req->r_first;
	*len = last - req->r_first + 1;
	return 206;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* The Date header's value, made once a second. */
static const char *date_now(void)
{
	static char buf[40];
	static time_t last;
	time_t t = time(NULL);
	struct tm tm;

	if (t != last && gmtime_r(&t, &tm)) {
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = t;
	}
	return buf;
}

size_t http_format(const struct http_head *h, char *buf, size_t size)
{
	char body[64] = "";
	bool error = h->status >= 300;
	uint64_t length = h->length;
	int n, m = 0;

	if (error) {
		snprintf(body, sizeof(body), "%d %s\n", h->status,
			 reason(h->status));
		length = strlen(body);
	}
	n = snprintf(buf, size,
		     "HTTP/1.1 %d %s\r\nServer: zcnet-httpd\r\n"
		     "Date: %s\r\nContent-Length: %llu\r\n%s%s%s%s",
		     h->status, reason(h->status), date_now(),
		     (unsigned long long)length,
		     error ? "Content-Type: text/plain\r\n" : "",
		     h->status == 405 ? "Allow: GET, HEAD\r\n" : "",
		     h->close ? "Connection: close\r\n" : "",
		     !h->close && h->keep_alive ?
		     "Connection: keep-alive\r\n" : "");
	if (n < 0 || (size_t)n >= size)
		return 0;
	if (!error)
		m = snprintf(buf + n, size - (size_t)n,
			     "Accept-Ranges: bytes\r\nContent-Type: %s\r\n",
			     h->type ? h->type : "application/octet-stream");
	else if (h->status == 416)
		m = snprintf(buf + n, size - (size_t)n,
			     "Content-Range: bytes */%llu\r\n",
			     (unsigned long long)h->size);
	if (m < 0 || (size_t)(n += m) >= size)
		return 0;
	if (h->status == 206)
		m = snprintf(buf + n, size - (size_t)n,
			     "Content-Range: bytes %llu-%llu/%llu\r\n",
			     (unsigned long long)h->first,
			     (unsigned long long)(h->first + h->length - 1),
			     (unsigned long long)h->size);
	else
		m = 0;
	if (m < 0 || (size_t)(n += m) >= size)
		return 0;
	m = snprintf(buf + n, size - (size_t)n, "\r\n%s",
		     h->head_only ? "" : body);
	if (m < 0 || (size_t)(n += m) >= size)
		return 0;
	return (size_t)n;
}

const char *http_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html" }, { ".htm", "text/html" },
		{ ".txt", "text/plain" }, { ".css", "text/css" },
		{ ".js", "text/javascript" }, { ".json", "application/json" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".svg", "image/svg+xml" }, { ".mp4", "video/mp4" },
		{ ".iso", "application/octet-stream" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (!dot || strchr(dot, '/'))
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i][0]))
			return types[i][1];
	return NULL;
}
