#!/bin/bash
# Every SPDX-License-Identifier line of the tracked files (in their first
# three lines, as in the kernel; LICENSES/ aside) names licences and
# exceptions whose texts are in LICENSES/, as their Valid-License-Identifier
# and SPDX-Exception-Identifier lines say; and each such expression
# appears in debian/copyright.
set -euo pipefail
source "$(dirname "$0")/common.sh"

cd "$ZCNET_ROOT"
declare -A known=()
while read -r id; do
	known[$id]=1
done < <(sed -n 's/^\(Valid-License-Identifier\|SPDX-Exception-Identifier\): *//p' LICENSES/*/*)
((${#known[@]})) || die "no licence texts in LICENSES/"

bad=0 n=0
declare -A exprs=()
while IFS= read -r -d '' f; do
	expr="$(head -n 3 "$f" | grep -m1 -o 'SPDX-License-Identifier: .*' | sed 's/^[^:]*: *//; s/ *\*\/ *$//; s/ *-->$//; s/ *$//')" || continue
	n=$((n + 1))
	exprs[$expr]=1
	for word in $expr; do
		case "$word" in
		OR | AND | WITH | "(" | ")") continue ;;
		esac
		word="${word//[()]/}"
		if [[ -z ${known[$word]:-} ]]; then
			printf '%s: %s has no text in LICENSES/\n' "$f" "$word"
			bad=1
		fi
	done
done < <(git ls-files -z -- . ':!LICENSES')
for expr in "${!exprs[@]}"; do
	grep -qxF "License: $expr" debian/copyright ||
		{ printf 'debian/copyright has no "License: %s"\n' "$expr"; bad=1; }
done
((bad == 0)) || die "SPDX lines and LICENSES/ or debian/copyright disagree"
say "$n SPDX lines, ${#exprs[@]} expressions, all in LICENSES/ and debian/copyright"
