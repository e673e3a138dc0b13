// SPDX-License-Identifier: GPL-2.0-only
/* The checked TCP and UDP byte streams, their checksum, HOST:PORT. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

#define STREAM_SEED	UINT64_C(0x7a636e6574737472)

/* splitmix64: every 8-byte word of the stream, from its index. */
static uint64_t stream_word(uint64_t w)
{
	uint64_t z = w * UINT64_C(0x9e3779b97f4a7c15) + STREAM_SEED;

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint8_t stream_byte(uint64_t pos)
{
	return (uint8_t)(stream_word(pos >> 3) >> ((pos & 7) * 8));
}

void stream_fill(uint8_t *dst, uint64_t pos, size_t len)
{
	uint64_t w;

	while (len && (pos & 7)) {
		*dst++ = stream_byte(pos++);
		len--;
	}
	while (len >= 8) {
		w = stream_word(pos >> 3);
		for (int i = 0; i < 8; i++)
			dst[i] = (uint8_t)(w >> (i * 8));
		dst += 8;
		pos += 8;
		len -= 8;
	}
	while (len--)
		*dst++ = stream_byte(pos++);
}

size_t stream_mismatches(const uint8_t *src, uint64_t pos, size_t len)
{
	uint8_t buf[4096];
	size_t bad = 0, n, i;

	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		stream_fill(buf, pos, n);
		if (memcmp(buf, src, n))
			for (i = 0; i < n; i++)
				bad += buf[i] != src[i];
		src += n;
		pos += n;
		len -= n;
	}
	return bad;
}

void udp_fill(uint8_t *dst, uint64_t seq, size_t len)
{
	if (len < 8) {
		stream_fill(dst, 0, len);
		return;
	}
	for (int i = 0; i < 8; i++)
		dst[i] = (uint8_t)(seq >> (i * 8));
	stream_fill(dst + 8, seq * UDP_SPAN, len - 8);
}

uint64_t udp_fill_train(uint8_t *dst, uint64_t seq, size_t len, size_t seg)
{
	uint64_t k;

	for (k = 0; len; k++) {
		size_t n = len < seg ? len : seg;

		udp_fill(dst, seq + k, n);
		dst += n;
		len -= n;
	}
	return k;
}

size_t udp_mismatches(const uint8_t *src, size_t len, uint64_t *seq)
{
	*seq = 0;
	if (len < 8)
		return stream_mismatches(src, 0, len);
	for (int i = 0; i < 8; i++)
		*seq |= (uint64_t)src[i] << (i * 8);
	if (*seq >= UINT64_MAX / UDP_SPAN)
		return len;
	return stream_mismatches(src + 8, *seq * UDP_SPAN, len - 8);
}

void stream_sum_init(struct stream_sum *s)
{
	memset(s, 0, sizeof(*s));
}

static void stream_sum_word(struct stream_sum *s, uint32_t w)
{
	s->a += w;
	s->b += s->a;
}

void stream_sum_update(struct stream_sum *s, const uint8_t *p, size_t len)
{
	s->len += len;
	while (len && s->nparts) {
		s->part |= (uint32_t)*p++ << (8 * s->nparts);
		len--;
		if (++s->nparts == 4) {
			stream_sum_word(s, s->part);
			s->part = 0;
			s->nparts = 0;
		}
	}
	while (len >= 4) {
		stream_sum_word(s, (uint32_t)p[0] | (uint32_t)p[1] << 8 |
				   (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		p += 4;
		len -= 4;
	}
	while (len--)
		s->part |= (uint32_t)*p++ << (8 * s->nparts++);
}

uint64_t stream_sum_final(const struct stream_sum *s)
{
	struct stream_sum t = *s;

	if (t.nparts)
		stream_sum_word(&t, t.part);
	return (t.b << 32 | (t.a & 0xffffffff)) ^ t.len * UINT64_C(0x9e3779b1);
}

bool parse_hostport(const char *s, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = host;
	unsigned long port;
	size_t hlen;
	char *end;

	colon = strrchr(s, ':');
	if (!colon || !colon[1])
		return false;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return false;
	memset(ss, 0, sizeof(*ss));
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = 0;
		h = host + 1;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return inet_pton(AF_INET6, h, &a6->sin6_addr) == 1;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof(*a4);
	if (!hlen) {
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		return true;
	}
	return inet_pton(AF_INET, h, &a4->sin_addr) == 1;
}

void format_hostport(const struct sockaddr_storage *ss, char *buf,
		     size_t size)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else {
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(a4->sin_port));
	}
}
