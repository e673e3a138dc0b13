# SPDX-License-Identifier: GPL-2.0
# zcnet: module, library and tools. `make help` lists the targets.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
UDEVDIR ?= /lib/udev/rules.d
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES := $(wildcard Documentation/man/*.[1-9])
# The one version of the module, libzcnet and the tools (and the packages).
ZCNET_VERSION := $(shell cat $(CURDIR)/VERSION)
DKMS_SRC := /usr/src/zcnet-$(ZCNET_VERSION)
KSRC_FILES := Kbuild Makefile VERSION dkms.conf module uapi

.PHONY: all module module-debug userspace install module-install \
	userspace-install udev-install man-install dkms-install dkms-remove \
	style sparse check demo bench deb clean help

all: module userspace

help:
	@echo 'make                  module (KDIR=, KVER=), libzcnet and tools'
	@echo 'make check            everything, tested in QEMU guests (as root)'
	@echo 'make demo             zero-copy transfer between two NICs in a guest'
	@echo 'make bench            zcnet against AF_PACKET, AF_XDP, MSG_ZEROCOPY, io_uring (as root)'
	@echo 'make install          module under updates/, library, header, pkg-config, tools, udev rule, man pages'
	@echo 'make man-install      the man pages only (MANDIR=)'
	@echo 'make dkms-install     the module with dkms; library, tools, udev rule, group, man pages'
	@echo 'make deb              Debian packages (debian/) into build/deb/ (ZCNET_BUILD=)'
	@echo 'make style            checkpatch'
	@echo 'make sparse           sparse (C=2)'

$(KDIR):
	@echo "no kernel build tree at $(KDIR): install the headers or set KDIR=" >&2
	@false

module: | $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-debug: | $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 ccflags-y+=-DDEBUG modules

userspace:
	$(MAKE) -C userspace

install: module-install userspace-install udev-install man-install

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

userspace-install:
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

udev-install:
	install -D -m 0644 udev/60-zcnet.rules $(DESTDIR)$(UDEVDIR)/60-zcnet.rules
	$(if $(DESTDIR),,getent group zcnet >/dev/null || groupadd --system zcnet)

man-install:
	for m in $(MAN_PAGES); do \
		install -D -m 0644 $$m "$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}" || exit; \
	done

# The module through dkms, and everything else as `make install` does.
dkms-install: userspace-install udev-install man-install
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r $(KSRC_FILES) $(DKMS_SRC)/
	sed -i 's/#MODULE_VERSION#/$(ZCNET_VERSION)/' $(DKMS_SRC)/dkms.conf
	dkms add -m zcnet -v $(ZCNET_VERSION)
	dkms build -m zcnet -v $(ZCNET_VERSION) -k $(KVER)
	dkms install -m zcnet -v $(ZCNET_VERSION) -k $(KVER)

dkms-remove:
	dkms remove -m zcnet -v $(ZCNET_VERSION) --all
	rm -rf $(DKMS_SRC)

style:
	scripts/style.sh

sparse: | $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

check:
	scripts/check.sh

demo:
	scripts/demo/demo.sh

bench:
	scripts/bench/bench.sh

deb:
	scripts/deb-build.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C userspace/bench clean
	rm -rf build
