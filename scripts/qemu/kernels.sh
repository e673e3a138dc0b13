#!/bin/bash
# Print the installed kernels zcnet is tested on, one per line:
# the newest 6.12 cloud kernel, then the newest 6.1 cloud kernel.
# A kernel counts when its image and its build headers are both installed.
set -euo pipefail

newest() {
	local pattern="$1" dir kver found=""
	for dir in /lib/modules/*/; do
		kver="$(basename "$dir")"
		[[ $kver =~ $pattern ]] || continue
		[[ -f /boot/vmlinuz-$kver && -d /lib/modules/$kver/build ]] || continue
		found+="$kver"$'\n'
	done
	[[ -n $found ]] || { echo "no kernel matching $pattern installed" >&2; return 1; }
	printf '%s' "$found" | sort -V | tail -n1
}

newest '^6\.12\.[0-9]+.*-cloud-amd64$'
newest '^6\.1\.[0-9]+-[0-9]+-cloud-amd64$'
