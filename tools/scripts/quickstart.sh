#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install, build (release) into build/, and run the bundled scenario corpus.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-debian.sh
if [ -f build/build.ninja ]; then
	meson configure build -Dbuildtype=release >/dev/null
else
	meson setup build -Dbuildtype=release >/dev/null
fi
meson compile -C build >/dev/null
exec build/tools/kpsim run --coverage scenarios/
