#!/bin/sh
# build.sh - configure and build into _build/ (created once, reused after).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --quiet
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
