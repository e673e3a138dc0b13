// SPDX-License-Identifier: GPL-2.0
/* Module load and unload, and the module parameters. */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "zcnet_bind.h"
#include "zcnet_ctx.h"
#include "zcnet_dev.h"
#include "zcnet_fault.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_buf.h"

struct workqueue_struct *zcnet_wq;

unsigned int zcnet_tx_copy_threshold = 256;
module_param_named(tx_copy_threshold, zcnet_tx_copy_threshold, uint, 0644);
MODULE_PARM_DESC(tx_copy_threshold,
		 "Raw frames up to this many bytes are copied (default 256)");

unsigned int zcnet_tx_copy_threshold_strict = 4096;
module_param_named(tx_copy_threshold_strict, zcnet_tx_copy_threshold_strict,
		   uint, 0644);
MODULE_PARM_DESC(tx_copy_threshold_strict,
		 "The same on a device behind a strict IOMMU (default 4096)");

unsigned int zcnet_sock_copy_threshold = 8192;
module_param_named(sock_copy_threshold, zcnet_sock_copy_threshold, uint,
		   0644);
MODULE_PARM_DESC(sock_copy_threshold,
		 "Socket sends up to this many bytes are copied (default 8192)");

unsigned int zcnet_max_sockets = 4096;

static int zcnet_max_sockets_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, ZCNET_MAX_SOCKETS,
				     ZCNET_MAX_SOCKETS_LIMIT);
}

static const struct kernel_param_ops zcnet_max_sockets_ops = {
	.set = zcnet_max_sockets_set,
	.get = param_get_uint,
};
module_param_cb(max_sockets, &zcnet_max_sockets_ops, &zcnet_max_sockets,
		0644);
MODULE_PARM_DESC(max_sockets,
		 "Socket slots of contexts opened from now on, 16 to 65535 (default 4096)");

static int __init zcnet_init(void)
{
	int err;

	zcnet_wq = alloc_workqueue("zcnet", WQ_UNBOUND, 0);
	if (!zcnet_wq)
		return -ENOMEM;
	err = zcnet_tx_buf_init();
	if (err)
		goto err_wq;
	err = zcnet_sock_init();
	if (err)
		goto err_txbuf;
	err = zcnet_bind_init();
	if (err)
		goto err_sock;
	err = zcnet_dev_register();
	if (err)
		goto err_bind;
	zcnet_fault_init();
	return 0;

err_bind:
	zcnet_bind_exit();
err_sock:
	zcnet_sock_exit();
err_txbuf:
	zcnet_tx_buf_exit();
err_wq:
	destroy_workqueue(zcnet_wq);
	return err;
}

static void __exit zcnet_exit(void)
{
	zcnet_dev_unregister();
	zcnet_kctx_drain();
	zcnet_fault_exit();
	zcnet_bind_exit();
	synchronize_net();
	rcu_barrier();
	destroy_workqueue(zcnet_wq);
	zcnet_sock_exit();
	zcnet_tx_buf_exit();
}

module_init(zcnet_init);
module_exit(zcnet_exit);

MODULE_DESCRIPTION("Zero-copy networking from registered user memory");
MODULE_LICENSE("GPL");
#ifdef ZCNET_VERSION
MODULE_VERSION(ZCNET_VERSION);
#endif
