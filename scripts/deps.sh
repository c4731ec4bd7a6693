#!/bin/sh
# deps.sh - install, with apt-get, the build tools a fresh Debian machine lacks.
need=""
for tool in cc:gcc make:make autoreconf:autoconf automake:automake libtoolize:libtool \
            bison:bison re2c:re2c pkg-config:pkg-config; do
	cmd=${tool%%:*}
	pkg=${tool#*:}
	command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
echo "deps.sh: installing$need" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq >/dev/null 2>&1
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
