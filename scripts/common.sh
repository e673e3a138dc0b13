# Helpers shared by the scripts here and in qemu/, bench/ and demo/. Source it, don't run it.
# shellcheck shell=bash

ZCNET_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ZCNET_ROOT="$(cd "$ZCNET_SCRIPTS/.." && pwd)"
ZCNET_BUILD="${ZCNET_BUILD:-$ZCNET_ROOT/build}"
# shellcheck disable=SC2034 # used by the scripts that source this
ZCNET_CACHE="$ZCNET_BUILD/cache"
PATH="$PATH:/usr/sbin:/sbin" # ip, dkms, modinfo when not root's PATH

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# below_million N: N is 0..999999 written without leading zeros, which
# bash's arithmetic would read as octal
below_million() { [[ $1 =~ ^(0|[1-9][0-9]{0,5})$ ]]; }

need_root() {
	[[ $EUID -eq 0 ]] || die "$(basename "$0") must run as root"
}

# Installed version of a Debian package, or "none".
pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none
}

# The QEMU the guests run: the system's (ZCNET_QEMU=system, the default) or
# bookworm-backports' unpacked into the cache (ZCNET_QEMU=backports,
# scripts/qemu/qemu-backports.sh), first in PATH.
qemu_select() {
	case "${ZCNET_QEMU:-system}" in
	system) ;;
	backports)
		local dir
		dir="$("$ZCNET_SCRIPTS/qemu/qemu-backports.sh")" || exit 1
		[[ :$PATH: == *":$dir:"* ]] || PATH="$dir:$PATH"
		;;
	*) die "ZCNET_QEMU is system or backports, not '$ZCNET_QEMU'" ;;
	esac
}

# guest_problems WHAT LOG STATUS DIR: adds to the caller's problems array
# what a guest's results LOG, vm.sh's STATUS and its console in DIR say
# went wrong.
guest_problems() {
	(($3 == 0)) || problems+=("$1 did not finish cleanly (vm.sh status $3)")
	grep -q '^ZCNET-DONE$' <<<"$2" || problems+=("$1 did not finish (no ZCNET-DONE)")
	if grep -q '^not ok [0-9]* kernel-log-clean' <<<"$2"; then
		problems+=("$1's kernel log has a warning or oops (see $4/console.log)")
	fi
	if grep -q 'killed after the' <<<"$2"; then
		problems+=("$1 was killed by its timeout")
	fi
}

# Short hash of its arguments, for cache keys.
short_hash() {
	printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# Append the files under DIR to the initramfs IMAGE as one more gzip'd
# newc archive (the kernel unpacks concatenated archives in order).
initrd_append() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -6 >>"$2"
}

# The kernel a demo or benchmark boots: KVER if given, else the first of
# scripts/qemu/kernels.sh. Builds zcnet.ko for it; sets kver and ko.
guest_kernel_module() { # [KVER]
	local kernels
	kver="${1:-}"
	if [[ -z $kver ]]; then
		mapfile -t kernels < <("$ZCNET_SCRIPTS/qemu/kernels.sh")
		kver="${kernels[0]:-}"
	fi
	[[ -n $kver ]] || die "no kernel to boot"
	say "module for $kver"
	"$ZCNET_SCRIPTS/kmod-build.sh" "$kver"
	# shellcheck disable=SC2034 # for the caller
	ko="$ZCNET_BUILD/kmod/$kver/zcnet.ko"
}
