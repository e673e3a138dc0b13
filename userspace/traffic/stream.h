/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The byte stream zcnet-send writes to a TCP or UDP socket and zcnet-recv
 * verifies, and the checksum both print.
 *
 * TCP: byte p of the stream is stream_byte(p). UDP: datagram seq of len
 * bytes starts with seq (8 bytes, little endian) when len >= 8, and byte
 * i after that is stream_byte(seq * UDP_SPAN + i); a shorter datagram is
 * stream_byte(i) only.
 */
#ifndef ZCNET_STREAM_H
#define ZCNET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_SPAN	(UINT64_C(1) << 17)
#define UDP_MAX_LEN	65507		/* IPv4 UDP payload */

uint8_t stream_byte(uint64_t pos);
void stream_fill(uint8_t *dst, uint64_t pos, size_t len);
/* Bytes of src[0..len) that differ from the stream at pos. */
size_t stream_mismatches(const uint8_t *src, uint64_t pos, size_t len);

void udp_fill(uint8_t *dst, uint64_t seq, size_t len);
/*
 * A GSO train of len bytes cut into datagrams of seg bytes (the last may
 * be shorter): datagram k is udp_fill(seq + k). Returns the datagrams.
 */
uint64_t udp_fill_train(uint8_t *dst, uint64_t seq, size_t len, size_t seg);
/* Mismatching bytes of a datagram; its seq in *seq (0 below 8 bytes). */
size_t udp_mismatches(const uint8_t *src, size_t len, uint64_t *seq);

/*
 * A checksum of a byte sequence that does not depend on how it was cut
 * into pieces: Fletcher-style sums over 32-bit little-endian words, plus
 * the length.
 */
struct stream_sum {
	uint64_t a, b, len;
	uint32_t part;
	unsigned int nparts;
};

void stream_sum_init(struct stream_sum *s);
void stream_sum_update(struct stream_sum *s, const uint8_t *p, size_t len);
uint64_t stream_sum_final(const struct stream_sum *s);

/*
 * "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" (any address) into *ss; numeric
 * addresses only. Returns false on a bad string.
 */
bool parse_hostport(const char *s, struct sockaddr_storage *ss,
		    socklen_t *len);
void format_hostport(const struct sockaddr_storage *ss, char *buf,
		     size_t size);

#endif
