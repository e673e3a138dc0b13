#!/bin/bash
# Install the Debian packages that `make check`, `make demo` and `make bench`
# need, if any are missing, and print the kernel versions the check will use.
# Arguments name further packages to install the same way (e.g. linux-perf
# for `make bench` with profiles).
set -euo pipefail
source "$(dirname "$0")/common.sh"

PACKAGES=(
	qemu-system-x86 busybox-static
	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
	linux-image-cloud-amd64 linux-headers-cloud-amd64
	linux-source-6.12
	dkms sparse iproute2 ethtool cpio kmod xz-utils
	make gcc libc6-dev pkg-config util-linux
	curl apache2-utils	# zcnet-httpd's clients, in the guest and for make bench
	flex bison bc libelf-dev libssl-dev	# the debug kernel
	liburing-dev libxdp-dev libbpf-dev zlib1g-dev libzstd-dev	# make bench
	gnuplot-nox
	man-db groff-base	# scripts/man-check.sh
	dpkg-dev debhelper dh-dkms lintian	# make deb, scripts/deb-check.sh
	"$@"
)

installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]})); then
	need_root
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
else
	say "all ${#PACKAGES[@]} packages present"
fi

mapfile -t kernels < <("$ZCNET_SCRIPTS/qemu/kernels.sh")
say "kernels: ${kernels[*]}"
