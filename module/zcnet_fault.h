/* SPDX-License-Identifier: GPL-2.0 */
/* Fault injection points for the tests (debugfs zcnet/fail_*). */
#ifndef _ZCNET_FAULT_H
#define _ZCNET_FAULT_H

#include <linux/types.h>

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void zcnet_fault_init(void);
void zcnet_fault_exit(void);
bool zcnet_fault_rx_split(void);
bool zcnet_fault_tx_buf(void);
#else
static inline void zcnet_fault_init(void) {}
static inline void zcnet_fault_exit(void) {}
static inline bool zcnet_fault_rx_split(void) { return false; }
static inline bool zcnet_fault_tx_buf(void) { return false; }
#endif

#endif /* _ZCNET_FAULT_H */
