// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "zcnet_ctx.h"
#include "zcnet_dev.h"

struct workqueue_struct *zcnet_wq;

static int __init zcnet_init(void)
{
	int err;

	zcnet_wq = alloc_workqueue("zcnet", WQ_UNBOUND, 0);
	if (!zcnet_wq)
		return -ENOMEM;
	err = zcnet_dev_register();
	if (err)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(zcnet_wq);
	return err;
}

static void __exit zcnet_exit(void)
{
	zcnet_dev_unregister();
	zcnet_ctx_drain();
	rcu_barrier();
	destroy_workqueue(zcnet_wq);
}

module_init(zcnet_init);
module_exit(zcnet_exit);

MODULE_DESCRIPTION("Zero-copy networking from registered user memory");
MODULE_LICENSE("GPL");
