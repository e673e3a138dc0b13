// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of zcnet-httpd's request parsing, ranges and heads (httpd/http.c). */
#include <string.h>

#include "httpd.h"
#include "unit.h"

static ssize_t parse(const char *s, struct http_req *r)
{
	return http_parse(s, strlen(s), 8192, r);
}

static void test_requests(void)
{
	const char *two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
			  "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_req r;

	CHECK_EQ(parse(two, &r), 28);
	CHECK_EQ(r.method, HTTP_GET);
	CHECK(!strcmp(r.path, "/a"));
	CHECK(r.keep_alive && !r.http10 && !r.range);
	CHECK_EQ(parse(two + 28, &r), 29);
	CHECK_EQ(r.method, HTTP_HEAD);
	/* not complete yet */
	CHECK_EQ(parse("GET /a HTTP/1.1\r\nHost: h\r\n", &r), 0);
	CHECK_EQ(parse("GET /a HT", &r), 0);
	/* empty lines before, bare LF line ends */
	CHECK_EQ(parse("\r\n\nGET /x?q=1 HTTP/1.0\n\n", &r), 24);
	CHECK(!strcmp(r.path, "/x") && !r.keep_alive && r.http10);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		    &r) > 0 && r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
		    &r) > 0 && !r.keep_alive);
	CHECK(parse("POST /f HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 &&
	      r.method == HTTP_OTHER);
	CHECK(parse("GET /a%20b%2Fc HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 &&
	      !strcmp(r.path, "/a b/c"));
}

static void test_bad_requests(void)
{
	static const struct { const char *req; int status; } bad[] = {
		{ "GET /a HTTP/1.1\r\n\r\n", 400 },		/* no Host */
		{ "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a/%2e%2e/b HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a/. HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET a HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET http://h/a HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a HTTP/2.0\r\nHost: h\r\n\r\n", 505 },
		{ "GET /a FOO/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "GET /a\r\n\r\n", 400 },
		{ "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
		  400 },
		{ "GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
		  "\r\n\r\n", 400 },
		{ "GET /a HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400 },
		{ "GET /a HTTP/1.1\r\nno colon\r\n\r\n", 400 },
	};
	char big[300];
	struct http_req r;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].req, &r) != -1 || r.status != bad[i].status) {
			fprintf(stderr, "bad request %u: status %d\n", i,
				r.status);
			unit_failures++;
		}
		CHECK(!r.keep_alive);
	}
	CHECK(parse("GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
		    &r) > 0);
	/* a head that does not end within max bytes */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	CHECK_EQ(http_parse(big, sizeof(big), sizeof(big), &r), -1);
	CHECK_EQ(r.status, 431);
	CHECK_EQ(http_parse(big, sizeof(big), sizeof(big) + 1, &r), 0);
}

static int range(const char *hdr, uint64_t size, uint64_t *first,
		 uint64_t *len)
{
	char req[256];
	struct http_req r;

	snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: h\r\n%s\r\n",
		 hdr);
	if (parse(req, &r) <= 0)
		return -1;
	return http_range(&r, size, first, len);
}

static void test_ranges(void)
{
	uint64_t f, n;

	CHECK_EQ(range("", 1000, &f, &n), 200);
	CHECK(f == 0 && n == 1000);
	CHECK_EQ(range("Range: bytes=0-99\r\n", 1000, &f, &n), 206);
	CHECK(f == 0 && n == 100);
	CHECK_EQ(range("Range: bytes=990-\r\n", 1000, &f, &n), 206);
	CHECK(f == 990 && n == 10);
	CHECK_EQ(range("Range: bytes=500-5000\r\n", 1000, &f, &n), 206);
	CHECK(f == 500 && n == 500);
	CHECK_EQ(range("Range: bytes=-100\r\n", 1000, &f, &n), 206);
	CHECK(f == 900 && n == 100);
	CHECK_EQ(range("Range: bytes=-5000\r\n", 1000, &f, &n), 206);
	CHECK(f == 0 && n == 1000);
	CHECK_EQ(range("Range: bytes=999-999\r\n", 1000, &f, &n), 206);
	CHECK(f == 999 && n == 1);
	CHECK_EQ(range("Range: bytes=1000-\r\n", 1000, &f, &n), 416);
	CHECK_EQ(range("Range: bytes=-0\r\n", 1000, &f, &n), 416);
	CHECK_EQ(range("Range: bytes=0-\r\n", 0, &f, &n), 416);
	/* unusable ones are ignored: the whole file */
	CHECK_EQ(range("Range: bytes=5-2\r\n", 1000, &f, &n), 200);
	CHECK_EQ(range("Range: bytes=0-1,5-6\r\n", 1000, &f, &n), 200);
	CHECK_EQ(range("Range: lines=1-2\r\n", 1000, &f, &n), 200);
	CHECK_EQ(range("Range: bytes=99999999999999999999-\r\n", 1000, &f,
		       &n), 200);
	CHECK_EQ(range("Range: bytes=0-9\r\nIf-Range: \"x\"\r\n", 1000, &f,
		       &n), 200);
	CHECK(f == 0 && n == 1000);
}

static void test_heads(void)
{
	struct http_head h = { .status = 206, .length = 100, .first = 10,
			       .size = 1000, .type = "text/plain" };
	char buf[HTTP_HEAD_MAX];
	size_t n;

	n = http_format(&h, buf, sizeof(buf));
	CHECK(n > 0 && n == strlen(buf));
	CHECK(!strncmp(buf, "HTTP/1.1 206 Partial Content\r\n", 30));
	CHECK(strstr(buf, "\r\nContent-Length: 100\r\n"));
	CHECK(strstr(buf, "\r\nContent-Range: bytes 10-109/1000\r\n"));
	CHECK(strstr(buf, "\r\nContent-Type: text/plain\r\n"));
	CHECK(!strstr(buf, "Connection:"));
	CHECK(n > 4 && !strcmp(buf + n - 4, "\r\n\r\n"));
	h = (struct http_head){ .status = 416, .size = 1000, .close = true };
	n = http_format(&h, buf, sizeof(buf));
	CHECK(strstr(buf, "\r\nContent-Range: bytes */1000\r\n"));
	CHECK(strstr(buf, "\r\nConnection: close\r\n"));
	CHECK(n > 4 && !strcmp(strstr(buf, "\r\n\r\n") + 4,
			       "416 Range Not Satisfiable\n"));
	h = (struct http_head){ .status = 404, .head_only = true,
				.keep_alive = true };
	n = http_format(&h, buf, sizeof(buf));
	CHECK(strstr(buf, "\r\nContent-Length: 14\r\n"));
	CHECK(strstr(buf, "\r\nConnection: keep-alive\r\n"));
	CHECK(n > 4 && !strcmp(buf + n - 4, "\r\n\r\n"));
	h = (struct http_head){ .status = 405 };
	http_format(&h, buf, sizeof(buf));
	CHECK(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
	h = (struct http_head){ .status = 200, .length = 5 };
	CHECK_EQ(http_format(&h, buf, 40), 0);
	CHECK(!strcmp(http_type("/a/b.html"), "text/html"));
	CHECK(!strcmp(http_type("/x.JPG"), "image/jpeg"));
	CHECK(!http_type("/a.d/b") && !http_type("/noext"));
}

int main(void)
{
	test_requests();
	test_bad_requests();
	test_ranges();
	test_heads();
	return unit_done("test_http");
}
