#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian 12 packages kpsim needs to build and test (only the missing ones).
set -eu

pkgs="meson ninja-build gcc pkg-config libglib2.0-dev libcmocka-dev binutils
      patch python3 python3-pytest gcovr lcov clang libclang-rt-14-dev parallel
      libfuzzer-14-dev afl++"

missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "kpsim: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
