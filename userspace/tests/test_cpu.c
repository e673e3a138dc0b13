// SPDX-License-Identifier: GPL-2.0-only
/* Idle time from /proc/timer_list: every CPU's idle and iowait, in ns. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "traffic.h"
#include "unit.h"

/* Two CPUs as 6.12 prints them, with the neighbouring fields. */
static const char sample[] =
"Timer List Version: v0.10\n"
"now at 25633563857000 nsecs\n"
"cpu: 0\n"
"  .idle_entrytime : 25633000000000 nsecs\n"
"  .idle_exittime  : 25633100000000 nsecs\n"
"  .idle_sleeptime : 1000000007 nsecs\n"
"  .iowait_sleeptime: 20 nsecs\n"
"  .idle_expires   : 25634000000000 nsecs\n"
"cpu: 1\n"
"  .idle_sleeptime : 3000000000 nsecs\n"
"  .iowait_sleeptime: 0 nsecs\n"
"jiffies: 4294967296\n";

static uint64_t parse(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	uint64_t ns;

	if (!f)
		return UINT64_MAX;
	ns = timer_list_idle_ns(f);
	fclose(f);
	return ns;
}

int main(void)
{
	CHECK_EQ(parse(sample), 4000000027LL);
	CHECK_EQ(parse("now at 5 nsecs\ncpu: 0\n"), 0);
	/* a field that only starts alike is not counted */
	CHECK_EQ(parse("  .idle_sleeps   : 99\n"), 0);
	return unit_done("test_cpu");
}
