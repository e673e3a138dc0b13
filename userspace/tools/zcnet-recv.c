// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-recv: its options and methods (the receivers: traffic/). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

#define PROG	"zcnet-recv"

static struct rx_opts o = {
	.match = ZCNET_RX_MATCH_ETHERTYPE, .ethertype = ZCNET_FRAME_ETHERTYPE,
	.idle = 10, .ring = 1024, .buf_size = 2048, .queue = ZCNET_QUEUE_ANY,
};
static const char *method = "zcnet";

static bool method_arg(const char *s, void *p)
{
	*(const char **)p = s;
	return !strcmp(s, "zcnet") || !strcmp(s, "afp");
}

static bool match_arg(const char *s, void *p)
{
	uint64_t v;
	char *end;

	(void)p;
	o.ethertype = 0;
	o.port = 0;
	if (!strcmp(s, "all")) {
		o.match = ZCNET_RX_MATCH_ALL;
		return true;
	}
	if (!strncmp(s, "ethertype:", 10)) {
		s += 10;
		if (!*s || *s == '-' || *s == '+')
			return false;
		errno = 0;
		v = strtoull(s, &end, 0);
		o.match = ZCNET_RX_MATCH_ETHERTYPE;
		o.ethertype = (uint16_t)v;
		return !errno && !*end && v && v <= 0xffff;
	}
	o.match = ZCNET_RX_MATCH_UDP;
	if (strncmp(s, "udp:", 4) || !parse_u64(s + 4, 1, 65535, &v))
		return false;
	o.port = (uint16_t)v;
	return true;
}

static struct opt opts[] = {
	OFN("method", 0, method_arg, &method, "zcnet|afp", "zcnet: zcnet "
	    "receive (default); afp: an\nAF_PACKET TPACKET_V3 ring for "
	    "ethertype 0x88B5", "method"),
	OSTR("iface", 'i', o.iface, "IFACE", "device to receive on (this "
	     "network namespace)"),
	OFN("match", 'm', match_arg, NULL, "M", "zcnet: which frames to take "
	    "from the stack:\n  all               every frame\n  "
	    "ethertype:0xNNNN  frames of that ethertype\n"
	    "                    (default ethertype:0x88B5)\n  udp:PORT"
	    "          IPv4/IPv6 UDP to PORT", "match (all, ethertype:0xNNNN "
	    "or udp:PORT)"),
	ONUM("queue", 'q', o.queue, 0, UINT32_MAX - 1, "QUEUE", "zcnet: only "
	     "frames that arrived on the\ndevice's RX queue QUEUE (default: "
	     "any)", "queue"),
	ONUM("frames", 'n', o.frames, 1, UINT64_C(1) << 47, "N", "stop after "
	     "N frames; all N must arrive", "frame count (1..2^47)"),
	OSECS("time", 't', o.seconds, "SECONDS", "stop after SECONDS",
	      "duration (seconds, > 0)"),
	OSECS("idle-timeout", 0, o.idle, "S", "stop after S seconds without a "
	      "frame (default\n10, counted from the start too)",
	      "idle timeout (seconds, > 0)"),
	{ "ring", 'r', OPT_RING, &o.ring, 0, 0, 0, "ENTRIES", "zcnet: receive "
	  "buffers, and FILL and RX ring\nentries, a power of two in "
	  RING_RANGE " (default 1024)", NULL, NULL, false },
	ONUM("buf-size", 'b', o.buf_size, 64, 65536, "BYTES", "zcnet: bytes "
	     "per buffer, a multiple of 64 in\n64..65536 (default 2048); "
	     "longer frames are truncated", "buffer size (a multiple of 64 in "
	     "64..65536)"),
	ONUM("wake-frames", 0, o.wake_frames, 1, ZCNET_RING_MAX_ENTRIES, "N",
	     "zcnet: wake up once N frames are in\n(or --wake-usec after the "
	     "first; default 1:\nevery burst)", "wake-up frame count (1..32768)"),
	ONUM("wake-usec", 0, o.wake_usec, 1, ZCNET_RX_WAKE_USEC_MAX, "USEC",
	     "zcnet: with --wake-frames, wake up at\nthe latest USEC after a "
	     "frame (default 1000)", "wake-up delay (1..10000000 us)"),
	OFLAG("strict-order", 0, o.strict_order, "a frame out of sequence "
	      "order is a failure"),
	OSTR("progress-file", 0, o.progress, "PATH", "publish one past the "
	     "highest seq received, for\na sender's --window (zcnet-send) on "
	     "this machine"),
	OFLAG("json", 'j', o.json, "print one JSON object instead of text"),
	OINTERVAL(o.interval),
	OEND
};

static const char head[] =
"Usage: " PROG " -i IFACE [--method zcnet|afp]\n"
"                  [--match all|ethertype:0xNNNN|udp:PORT] [-q QUEUE]\n"
"                  [-n FRAMES | -t SECONDS] [--idle-timeout S] [-r RING]\n"
"                  [-b BUFSIZE] [--wake-frames N [--wake-usec USEC]]\n"
"                  [--strict-order] [--progress-file PATH] [-j]\n"
"                  [--interval SECONDS]\n"
"Receive frames on IFACE with zcnet receive (or AF_PACKET as the\n"
"baseline) and verify the test frames.\n\n";

static const char tail[] =
"Frames of ethertype 0x88B5 are test frames (as zcnet-send sends them):\n"
"each is verified byte by byte, and their sequence numbers give the frames\n"
"lost (gaps), duplicated and reordered. With zcnet, frames of other\n"
"ethertypes (--match all or udp:PORT) are counted, not verified, and the\n"
"context's receive counters (rx_drop_nobuf: no buffer posted, ...) are\n"
"printed at the end. It prints a line on stderr once it is receiving.\n"
"With --queue, other contexts (one zcnet-recv per RX queue) may receive\n"
"the same match from the device's other queues.\n"
"Exit status: 0 when every frame was verified, none was lost, repeated\n"
"or truncated (and with -n, N frames arrived), 1 otherwise, 2 on bad\n"
"arguments, 4 when the zcnet module has no receive.\n\n";

static void more_help(FILE *f)
{
	fputs(tail, f);
	sink_usage(f);
}

int main(int argc, char **argv)
{
	static const char *const sink_modes[] = { "tcp-listen", "udp-listen",
						  NULL };
	static const char *const zcnet_only[] = { "match", "queue", "ring",
						  "buf-size", "wake-frames",
						  "wake-usec", NULL };

	util_prog = PROG;
	if (argv_has(argc, argv, sink_modes))
		return sink_main(argc, argv);
	opts_parse(argc, argv, opts, head, more_help);
	if (o.buf_size % 64)
		usage_error("bad buffer size '%u' (a multiple of 64 in "
			    "64..65536)", o.buf_size);
	if (!o.iface)
		usage_error("no interface given (-i IFACE)");
	if (o.wake_usec && !o.wake_frames)
		usage_error("--wake-usec needs --wake-frames");
	if (opts_seen(opts, "frames") && opts_seen(opts, "time"))
		usage_error("-n and -t exclude each other");
	if (strcmp(method, "zcnet"))
		opts_forbid(opts, zcnet_only, "is for --method zcnet");
	iface_require(o.iface, &o.ifc);
	o.stop = install_stop_signals();
	return strcmp(method, "zcnet") ? rx_afp(&o) : rx_zcnet(&o);
}
