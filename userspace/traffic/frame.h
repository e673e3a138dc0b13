/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test frame format of zcnet-send and the receivers.
 *
 * One Ethernet frame, all multi-byte header fields in network byte order:
 *
 *   offset  size  field
 *        0     6  destination MAC
 *        6     6  source MAC
 *       12     2  ethertype 0x88B5 (IEEE 802 local experimental)
 *       14     4  magic "ZCNT" (0x5a434e54)
 *       18     8  seq: frame number, counting from 0 in each run
 *       26     2  frame_len: length of the whole frame in bytes
 *       28     2  pattern: ZCNET_PATTERN_SEQ or ZCNET_PATTERN_ZERO
 *       30     4  hdr_check: FNV-1a (32 bit) of the 16 bytes at 14..29
 *       34     4  reserved, 0
 *       38     -  payload, frame_len - 38 bytes
 *
 * Payload byte i (i = 0 at frame offset 38):
 *   ZCNET_PATTERN_ZERO  0
 *   ZCNET_PATTERN_SEQ   byte (i % 8) of the little-endian 64-bit word
 *                       W(seq, i / 8) = mix(seq) + (i / 8) * 0x9e3779b97f4a7c15,
 *                       mix() being the splitmix64 finaliser.
 * Every 8-byte word of a frame differs from the others and from the words
 * of every other seq, so stale, shifted or swapped data is caught, and the
 * pattern is generated and checked a word at a time.
 */
#ifndef ZCNET_FRAME_H
#define ZCNET_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define ZCNET_FRAME_ETHERTYPE	0x88B5
#define ZCNET_FRAME_MAGIC	0x5a434e54u	/* "ZCNT" */
#define ZCNET_FRAME_ETH_LEN	14
#define ZCNET_FRAME_HDR_LEN	24
#define ZCNET_FRAME_PAYLOAD_OFF	(ZCNET_FRAME_ETH_LEN + ZCNET_FRAME_HDR_LEN)
/* The smallest frame that holds both headers; the tools ask for >= 60. */
#define ZCNET_FRAME_MIN_LEN	ZCNET_FRAME_PAYLOAD_OFF
#define ZCNET_FRAME_MAX_LEN	65535	/* frame_len is 16 bits */

/* Header field offsets from the start of the frame. */
#define ZCNET_FRAME_OFF_MAGIC	14
#define ZCNET_FRAME_OFF_SEQ	18
#define ZCNET_FRAME_OFF_LEN	26
#define ZCNET_FRAME_OFF_PATTERN	28
#define ZCNET_FRAME_OFF_CHECK	30
#define ZCNET_FRAME_OFF_RSVD	34

enum zcnet_frame_pattern {
	ZCNET_PATTERN_SEQ = 1,
	ZCNET_PATTERN_ZERO = 2,
};

/* Why a frame failed verification. */
enum zcnet_frame_error {
	ZCNET_FRAME_OK = 0,
	ZCNET_FRAME_ERR_SHORT,		/* shorter than both headers */
	ZCNET_FRAME_ERR_ETHERTYPE,
	ZCNET_FRAME_ERR_MAGIC,
	ZCNET_FRAME_ERR_CHECK,		/* header checksum */
	ZCNET_FRAME_ERR_LEN,		/* frame_len != bytes received */
	ZCNET_FRAME_ERR_PATTERN,	/* unknown pattern id */
	ZCNET_FRAME_ERR_RESERVED,
	ZCNET_FRAME_ERR_PAYLOAD,	/* a payload byte differs */
};

/* What zcnet_frame_verify() found. */
struct zcnet_frame_check {
	enum zcnet_frame_error error;
	size_t offset;		/* first bad byte, from the frame start */
	uint64_t seq;		/* valid once the header checked out */
	unsigned int pattern;
	uint8_t expected;	/* for ZCNET_FRAME_ERR_PAYLOAD */
	uint8_t got;
};

/* Non-zero for ZCNET_PATTERN_SEQ and ZCNET_PATTERN_ZERO. */
int zcnet_frame_pattern_valid(unsigned int pattern);

/* "seq", "zero" or "unknown". */
const char *zcnet_frame_pattern_name(unsigned int pattern);

/*
 * Write a whole frame of len bytes into buf: Ethernet header, zcnet header
 * and payload. Returns 0, or -EINVAL for a len outside [ZCNET_FRAME_MIN_LEN,
 * ZCNET_FRAME_MAX_LEN] or an unknown pattern.
 */
int zcnet_frame_fill(void *buf, size_t len, const uint8_t dst[6],
		     const uint8_t src[6], uint64_t seq, unsigned int pattern);

/*
 * Rewrite only the zcnet header (seq, check) of a frame that
 * zcnet_frame_fill() wrote with the same len and pattern. Only valid for
 * ZCNET_PATTERN_ZERO, whose payload does not depend on seq; returns
 * -EINVAL otherwise.
 */
int zcnet_frame_set_seq(void *buf, size_t len, uint64_t seq,
			unsigned int pattern);

/*
 * Check a received frame of len bytes byte-exactly. Returns -1 when it is
 * a correct frame, else the offset of the first byte found wrong; *check
 * (if not NULL) tells why.
 */
long zcnet_frame_verify(const void *buf, size_t len,
			struct zcnet_frame_check *check);

/* A short description of an error, e.g. "payload byte differs". */
const char *zcnet_frame_error_str(enum zcnet_frame_error error);

/* The expected payload word w of frame seq (ZCNET_PATTERN_SEQ). */
uint64_t zcnet_frame_word(uint64_t seq, uint64_t w);

#endif
