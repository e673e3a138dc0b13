#!/bin/bash
# `make install` into a scratch DESTDIR for KVER, then check the tree and
# build the API guide's example (userspace/examples/nop.c) against the
# installed library through pkg-config, shared and static.
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($# == 1)) || die "usage: $0 KVER"
kver="$1"
dest="$ZCNET_BUILD/install-test"
rm -rf "$dest"
cd "$ZCNET_ROOT"

make install DESTDIR="$dest" PREFIX=/usr KVER="$kver"

ko="$(find "$dest/lib/modules/$kver/updates" -name 'zcnet.ko*' -print -quit)"
[[ -n $ko ]] || die "make install did not install zcnet.ko under updates/"
expect=(
	usr/lib/libzcnet.a usr/lib/libzcnet.so usr/lib/libzcnet.so.1
	usr/include/libzcnet.h usr/include/linux/zcnet.h
	usr/lib/pkgconfig/libzcnet.pc usr/bin/zcnet-stat
	lib/udev/rules.d/60-zcnet.rules
	usr/share/man/man7/zcnet.7 usr/share/man/man3/libzcnet.3
	usr/share/man/man8/zcnet-send.8 usr/share/man/man8/zcnet-recv.8
	usr/share/man/man8/zcnet-stat.8 usr/share/man/man8/zcnet-httpd.8 usr/bin/zcnet-httpd
)
for f in "${expect[@]}"; do
	[[ -e $dest/$f ]] || die "make install did not install $f"
done
modinfo -F license "$ko" | grep -qx GPL ||
	die "installed zcnet.ko has no GPL license tag"

export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig"
flags="$(pkg-config --cflags --libs libzcnet)"
say "pkg-config: $flags"
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror userspace/examples/nop.c $flags \
	-o "$dest/nop-shared"
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror -static userspace/examples/nop.c \
	$(pkg-config --static --cflags --libs libzcnet) -o "$dest/nop-static"
say "install tree and pkg-config are complete"
