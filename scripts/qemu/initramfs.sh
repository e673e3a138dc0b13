#!/bin/bash
# Build the test guest's initramfs for one installed kernel.
#
#   initramfs.sh KVER OUT.cpio.gz [--ko FILE] [--tests DIR] [--tools DIR]
#                [--modules-root DIR] [--perf yes]
#
# --modules-root takes the kernel's modules from DIR/lib/modules/KVER (a
# kernel that is not installed, such as the debug kernel); drivers built
# into that kernel need no module.
#
# The image is two concatenated gzip'd cpio archives:
#  - a base that depends only on the kernel and the host's packages (busybox,
#    bash as /bin/sh, the real iproute2 `ip` and `ethtool`, and the HTTP
#    clients curl and ab (zcnet-httpd's tests) with their shared libraries, the NIC driver modules and the dummy module with their load
#    order), cached in
#    build/cache/guest-base-KVER-<hash>.cpio.gz;
#  - the parts of this run: /init (scripts/qemu/init.sh), the tests' runner
#    /lib/zcnet/run-tests (scripts/qemu/run-tests.sh), --ko as
#    /lib/zcnet/zcnet.ko, --tests DIR as /tests, --tools DIR as /usr/local/bin,
#    and with --perf yes the host's perf with its libraries (profiling).
set -euo pipefail
source "$(dirname "$0")/../common.sh"

usage() { die "usage: $0 KVER OUT.cpio.gz [--ko FILE] [--tests DIR] [--tools DIR] [--modules-root DIR] [--perf yes]"; }
(($# >= 2)) || usage
kver="$1" out="$2"
shift 2
ko="" tests="" tools="" modroot="" perf=""
while (($#)); do
	(($# >= 2)) || usage
	case "$1" in
	--ko) ko="$2" ;;
	--tests) tests="$2" ;;
	--tools) tools="$2" ;;
	--modules-root) modroot="$(cd "$2" && pwd)" ;;
	--perf) perf="$2" ;;
	*) usage ;;
	esac
	shift 2
done

need_root # /dev nodes in the image
moddir="$modroot/lib/modules/$kver"
[[ -d $moddir ]] || die "kernel $kver is not installed (no $moddir)"

# Drivers for the NICs the guest may get, each loaded after its dependencies
# (virtio_pci is built into some kernels and a module in others).
NIC_MODULES=(virtio_pci virtio_net vmxnet3)
# Other modules the tests need, loaded after the NIC drivers with these
# parameters: dummy, without creating a device (the tests make their own,
# in namespaces of their own); bridge (and what it needs) for the receive
# tests' bridge port, which they also create in a namespace of their own;
# tls for the socket tests' kernel TLS socket; brd for one 32 MiB RAM disk
# (/dev/ram0, memory only as it is written), on which the file-region tests
# make an ext2 file system (busybox mke2fs) that ext4 mounts: page cache of
# a block-device file system; nd_e820 and nd_pmem for the legacy
# persistent memory that the test guests' memmap=SIZE!START marks
# (scripts/qemu/guest-test.sh): /dev/pmem0, where the file-region tests
# mount ext4 with DAX (no page cache).
EXTRA_MODULES=("dummy numdummies=0" bridge tls "brd rd_nr=1 rd_size=32768" nd_e820 nd_pmem)
# Programs the guest needs beyond busybox, with their shared libraries.
PROGRAMS=(bash ip ethtool curl ab)

# Copy a binary and every library it links against (same paths as here).
copy_with_libs() {
	local bin="$1" dest="$2" lib
	install -D -m 0755 "$bin" "$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		[[ -e $stage$lib ]] || cp -L --parents "$lib" "$stage"
	done
}

# Copy a kernel module, uncompressed so busybox insmod can load it.
copy_module() {
	local src="$1" dest="$2"
	case "$src" in
	*.ko) cp "$src" "$dest" ;;
	*.ko.xz) xz -dc "$src" >"$dest" ;;
	*.ko.gz) gzip -dc "$src" >"$dest" ;;
	*.ko.zst) zstd -qdc "$src" >"$dest" ;;
	*) die "unknown module format: $src" ;;
	esac
}

pack() { # DIR OUT: write DIR as a gzip'd newc cpio archive
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -6 >"$2"
}

# Copy MOD and what it depends on into the image, appending each to the
# load-order file LIST (PARAMS on MOD's own line); a module built into
# the kernel is named in /etc/zcnet/builtin-modules instead. Uses $seen.
add_module() {
	local mod="$1" list="$2" params="${3:-}" line path name
	while read -r line; do
		if [[ $line == builtin\ * ]]; then
			echo "${line#builtin }" >>"$stage/etc/zcnet/builtin-modules"
			continue
		fi
		[[ $line == insmod\ * ]] || continue
		path="$(awk '{print $2}' <<<"$line")"
		name="$(basename "$path")"
		name="${name%%.ko*}.ko"
		[[ $seen == *" $name "* ]] && continue
		seen+="$name "
		copy_module "$path" "$stage/lib/modules/$kver/$name"
		if [[ $name == "${mod//-/_}.ko" || $name == "$mod.ko" ]]; then
			echo "/lib/modules/$kver/$name${params:+ $params}" >>"$list"
		else
			echo "/lib/modules/$kver/$name" >>"$list"
		fi
	done < <(modprobe ${modroot:+-d "$modroot"} -S "$kver" --show-depends "$mod")
}

build_base() {
	local order="$stage/etc/zcnet/nic-modules" extra="$stage/etc/zcnet/extra-modules"
	local mod entry params path name seen=" "
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,lib,proc,sys,dev,tmp,run,var,etc/zcnet,root,tests}
	ln -s ../run "$stage/var/run"
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3

	install -m 0755 "$(command -v busybox)" "$stage/bin/busybox"
	for path in $("$stage/bin/busybox" --list-full); do
		name="$(basename "$path")"
		[[ $name == sh || $name == ash || " ${PROGRAMS[*]} " == *" $name "* ]] && continue
		[[ -e $stage/$path ]] || ln -s /bin/busybox "$stage/$path"
	done

	copy_with_libs "$(command -v bash)" "$stage/bin/bash"
	ln -s bash "$stage/bin/sh"
	copy_with_libs "$(command -v ip)" "$stage/sbin/ip"
	copy_with_libs "$(command -v ethtool)" "$stage/sbin/ethtool"
	copy_with_libs "$(command -v curl)" "$stage/usr/bin/curl"
	copy_with_libs "$(command -v ab)" "$stage/usr/bin/ab"

	mkdir -p "$stage/lib/modules/$kver"
	: >"$order"
	: >"$extra"
	: >"$stage/etc/zcnet/builtin-modules"
	for mod in "${NIC_MODULES[@]}"; do
		add_module "$mod" "$order"
	done
	for entry in "${EXTRA_MODULES[@]}"; do
		read -r mod params <<<"$entry"
		add_module "$mod" "$extra" "$params"
	done
}

key="$(short_hash "$kver" "$modroot" \
	"$(stat -c '%s %Y' "$moddir/modules.dep" "$moddir/modules.builtin")" \
	"$(for p in busybox-static bash iproute2 ethtool curl libcurl4 apache2-utils libc6; do pkg_version "$p"; done)" \
	"$(sha256sum <"$0")")"
base="$ZCNET_CACHE/guest-base-$kver-$key.cpio.gz"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ ! -f $base ]]; then
	say "building guest base image for $kver"
	stage="$work/base"
	build_base
	mkdir -p "$ZCNET_CACHE"
	pack "$stage" "$base.tmp"
	mv "$base.tmp" "$base"
fi

stage="$work/run"
mkdir -p "$stage/tests" "$stage/usr/local/bin" "$stage/lib/zcnet"
install -m 0755 "$ZCNET_SCRIPTS/qemu/init.sh" "$stage/init"
install -m 0755 "$ZCNET_SCRIPTS/qemu/run-tests.sh" "$stage/lib/zcnet/run-tests"
if [[ -n $ko ]]; then
	[[ -f $ko ]] || die "no module at $ko"
	vermagic="$(modinfo -F vermagic "$ko" | awk '{print $1}')"
	[[ $vermagic == "$kver" ]] || say "warning: $ko is built for $vermagic, not $kver"
	install -m 0644 "$ko" "$stage/lib/zcnet/zcnet.ko"
fi
[[ -z $tests ]] || cp -a "$tests/." "$stage/tests/"
[[ -z $tools ]] || cp -a "$tools/." "$stage/usr/local/bin/"
if [[ $perf == yes ]]; then
	command -v perf >/dev/null || die "--perf: no perf here (package linux-perf)"
	copy_with_libs "$(command -v perf)" "$stage/usr/bin/perf"
fi
pack "$stage" "$work/run.cpio.gz"

mkdir -p "$(dirname "$out")"
cat "$base" "$work/run.cpio.gz" >"$out"
say "initramfs for $kver: $out ($(du -h "$out" | cut -f1))"
