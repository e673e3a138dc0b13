// SPDX-License-Identifier: GPL-2.0
/* Fault injection points for the tests, under debugfs zcnet/. */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#include "zcnet_fault.h"

/*
 * Where the kernel's own failslab and fail_page_alloc cannot reach:
 * /sys/kernel/debug/zcnet/fail_* are fault_attr directories
 * (Documentation/fault-injection). Built only on kernels with
 * CONFIG_FAULT_INJECTION_DEBUG_FS.
 */

/* Splitting a received GRO/GSO packet into its frames (softirq). */
static DECLARE_FAULT_ATTR(zcnet_fail_rx_split);
/* A TX descriptor's state, at submit (process context). */
static DECLARE_FAULT_ATTR(zcnet_fail_txbuf);

static struct dentry *zcnet_fault_dir;

bool zcnet_fault_rx_split(void)
{
	return should_fail(&zcnet_fail_rx_split, 1);
}

bool zcnet_fault_tx_buf(void)
{
	return should_fail(&zcnet_fail_txbuf, 1);
}

/* Best effort: without the files, nothing fails. */
void zcnet_fault_init(void)
{
	zcnet_fault_dir = debugfs_create_dir("zcnet", NULL);
	fault_create_debugfs_attr("fail_rx_split", zcnet_fault_dir,
				  &zcnet_fail_rx_split);
	fault_create_debugfs_attr("fail_txbuf", zcnet_fault_dir,
				  &zcnet_fail_txbuf);
}

void zcnet_fault_exit(void)
{
	debugfs_remove_recursive(zcnet_fault_dir);
}
