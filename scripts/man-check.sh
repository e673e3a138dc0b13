#!/bin/bash
# Render every man page with man-db's `man -l` at 80 columns, as a reader
# would, with all of groff's warnings on (--warnings=w), and fail on
# anything it prints on stderr.
#
#   man-check.sh [PAGE...]    default: Documentation/man/*.[1-9]
set -euo pipefail
source "$(dirname "$0")/common.sh"

cd "$ZCNET_ROOT"
if (($#)); then
	pages=("$@")
else
	shopt -s nullglob
	pages=(Documentation/man/*.[1-9])
fi
((${#pages[@]})) || die "no man pages"
command -v man >/dev/null || die "man not found (man-db)"

bad=0
for page in "${pages[@]}"; do
	if ! err="$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null)"; then
		err="${err:-man exited non-zero}"
	fi
	if [[ -n $err ]]; then
		mapfile -t lines <<<"$err"
		printf 'FAIL %s\n' "$page"
		printf '    | %s\n' "${lines[@]}"
		bad=1
	else
		printf 'ok   %s\n' "$page"
	fi
done
((bad == 0)) || die "man pages render with warnings"
say "${#pages[@]} man pages render without warnings"
