#!/bin/bash
# Build the debug kernel of the debug lane once and cache it.
#
#   debug-kernel.sh
#
# Builds Debian's linux-source-6.12 with x86_64_defconfig, then
# kernel/configs/kvm_guest.config, then scripts/qemu/debug-kernel.config merged
# over it (KUnit, KASAN, lockdep, kmemleak, fault injection; the NIC drivers
# built in). Everything lands in a cache directory keyed by the source
# package's version, the fragment and the compiler, under ZCNET_KERNEL_CACHE
# (default /var/cache/zcnet), outside any checkout, so repeat runs and other
# clones reuse it:
#   DIR/bzImage    the kernel
#   DIR/build/     its build tree (make O=), for out-of-tree modules (M=)
#   DIR/modules/   its modules as `make modules_install` puts them
#   DIR/release    its `uname -r`
# Prints DIR on stdout; the build log is DIR/build.log.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

(($# == 0)) || die "usage: $0"
cache_root="${ZCNET_KERNEL_CACHE:-/var/cache/zcnet}"
fragment="$ZCNET_SCRIPTS/qemu/debug-kernel.config"
tarball="${KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}"
[[ -f $tarball ]] || die "$tarball missing (package linux-source-6.12)"
command -v gcc >/dev/null || die "gcc missing"

version="$(pkg_version "$(basename "$tarball" .tar.xz)")"
[[ $version != none ]] || version="$(stat -c %s-%Y "$tarball")"
key="$(short_hash "$version" "$(sha256sum <"$fragment")" "$(gcc --version | head -n1)")"
dir="$cache_root/debug-kernel-${version//[^A-Za-z0-9.+-]/_}-$key"

mkdir -p "$cache_root"
exec 9>"$cache_root/.debug-kernel.lock"
flock 9 # one build at a time; a second caller waits and then uses it

if [[ -f $dir/.complete ]]; then
	say "using the cached debug kernel $(cat "$dir/release") from $dir (source $version, config $key)"
	echo "$dir"
	exit 0
fi

# The build tree refers to the source tree, so the source lives in the
# cache as well.
src="$(KSRC_CACHE="$cache_root" "$ZCNET_SCRIPTS/ksrc.sh" linux-source .)"
obj="$dir/build"
log="$dir/build.log"
rm -rf "$dir"
mkdir -p "$obj"
kmake() { nice make -C "$src" O="$obj" "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "make $* failed, log: $log"; }; }

say "configuring the debug kernel in $obj"
kmake x86_64_defconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	"$src/kernel/configs/kvm_guest.config" "$fragment" >>"$log" 2>&1
kmake olddefconfig

# Every line of the fragment must have survived olddefconfig's dependency
# resolution, or the kernel is not the one the lane promises.
bad=0
while read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]]; then
		grep -qxF "$line" "$obj/.config" && continue
	elif [[ $line =~ ^#\ (CONFIG_[A-Z0-9_]+)\ is\ not\ set$ ]]; then
		! grep -qE "^${BASH_REMATCH[1]}=" "$obj/.config" && continue
	else
		continue
	fi
	say "config: '$line' did not stick: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$obj/.config" || echo absent)"
	bad=1
done <"$fragment"
((bad == 0)) || die "scripts/qemu/debug-kernel.config does not apply to $version"

say "building the debug kernel ($(nproc) jobs, nice; about 11 minutes on two idle cores), log: $log"
start=$SECONDS
kmake -j"$(nproc)" bzImage modules
kmake INSTALL_MOD_PATH="$dir/modules" DEPMOD=/sbin/depmod modules_install
cp "$obj/arch/x86/boot/bzImage" "$dir/bzImage"
make -s -C "$src" O="$obj" kernelrelease >"$dir/release"
touch "$dir/.complete"
say "built the debug kernel $(cat "$dir/release") in $((SECONDS - start))s: $dir"
echo "$dir"
