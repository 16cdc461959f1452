#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build (release) into build/ and run the bundled scenario corpus.  It installs nothing:
# the packages are those of tools/scripts/setup-debian.sh.
set -eu
cd "$(dirname "$0")/../.."
if [ -f build/build.ninja ]; then
	meson configure build -Dbuildtype=release >/dev/null
else
	meson setup build -Dbuildtype=release >/dev/null
fi
meson compile -C build >/dev/null
exec build/tools/kpsim run --coverage scenarios/
