#!/bin/sh
# quickstart.sh - set up a fresh Debian machine, build rebound and
# classify the bundled examples.
set -e
cd "$(dirname "$0")/.."
sh scripts/build.sh
echo "== rebound classify < examples/replies.txt"
./_build/rebound classify <examples/replies.txt
