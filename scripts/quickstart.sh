#!/bin/sh
# quickstart.sh - set up a fresh Debian machine, build rebound and
# classify the bundled examples (reply lines, the sample bounce messages
# of tests/messages, and two sample mail logs).
set -e
cd "$(dirname "$0")/.."
sh scripts/build.sh
echo "== rebound classify < examples/replies.txt"
./_build/rebound classify <examples/replies.txt
echo "== rebound parse tests/messages/*.eml"
./_build/rebound parse tests/messages/*.eml
echo "== rebound log --final tests/logs/postfix.log tests/logs/exim_mainlog"
./_build/rebound log --final tests/logs/postfix.log tests/logs/exim_mainlog
