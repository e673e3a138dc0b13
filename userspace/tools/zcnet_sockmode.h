/* SPDX-License-Identifier: GPL-2.0-only */
/* The socket modes of zcnet-send (--tcp, --udp) and zcnet-recv (sinks). */
#ifndef ZCNET_SOCKMODE_H
#define ZCNET_SOCKMODE_H

#include <stdio.h>

/* zcnet-send --tcp|--udp HOST:PORT ...; returns the exit status. */
int sock_send_main(int argc, char **argv);
void sock_send_usage(FILE *out);

/* zcnet-recv --tcp-listen|--udp-listen [ADDR:]PORT ...; exit status. */
int sink_main(int argc, char **argv);
void sink_usage(FILE *out);

#endif
