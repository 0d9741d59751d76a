#!/usr/bin/env bash
# Builds a small container image offline from this host's own files (no registry is needed):
# a root file system with dash, bash, perl, coreutils' few programs the web application
# and its attack use, their libraries, a minimal /etc, and the web application at
# /srv/vigil-webapp; imported into podman as IMAGE. An image already there is kept unless
# --build TEXT is given (TEXT is written to /srv/BUILD: a new build of the same tag, a new digest).
# Usage: tools/container/image.sh IMAGE WEBAPP_BINARY [--build TEXT]     (root; podman)
set -euo pipefail
image=$1 webapp=$2 build=
[ "${3:-}" = --build ] && build=$4
export CONTAINERS_CONF=${CONTAINERS_CONF:-$(dirname "$(readlink -f "$0")")/containers.conf}
if [ -z "$build" ] && podman image exists "$image"; then exit 0; fi
[ -x "$webapp" ] || { echo "image.sh: $webapp is not an executable" >&2; exit 1; }
root=$(mktemp -d /tmp/vigil-image.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/usr/bin "$root"/usr/lib "$root"/usr/lib64 "$root"/etc "$root"/srv "$root"/tmp "$root"/proc "$root"/sys "$root"/dev "$root"/run
chmod 1777 "$root"/tmp
ln -s usr/bin "$root"/bin; ln -s usr/bin "$root"/sbin; ln -s usr/lib "$root"/lib; ln -s usr/lib64 "$root"/lib64
progs="dash bash perl cat cp rm ls id uname date sleep getent true"
for p in $progs; do
  f=$(type -P "$p") || { echo "image.sh: $p is not installed on this host" >&2; exit 1; }
  cp -L "$f" "$root/usr/bin/$p"
done
ln -s dash "$root"/usr/bin/sh
copy_libs() { # every shared library a binary loads, at its own path under the image's /usr
  ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
    real=${lib#/usr}
    mkdir -p "$root/usr$(dirname "$real")"
    [ -e "$root/usr$real" ] || cp -L "$lib" "$root/usr$real"
  done
}
for p in $progs; do copy_libs "$root/usr/bin/$p"; done
copy_libs "$webapp"
for nss in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2; do
  [ -e "$nss" ] && cp -L "$nss" "$root/usr/lib/x86_64-linux-gnu/"
done
cp "$webapp" "$root"/srv/vigil-webapp
chmod 755 "$root"/srv/vigil-webapp
[ -n "$build" ] && printf '%s\n' "$build" > "$root"/srv/BUILD
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root"/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root"/etc/group
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$root"/etc/shadow
chmod 640 "$root"/etc/shadow
printf 'hosts: files\npasswd: files\ngroup: files\n' > "$root"/etc/nsswitch.conf
printf '127.0.0.1 localhost\n' > "$root"/etc/hosts
tar -C "$root" --numeric-owner -cf "$root.tar" .
podman import --quiet "$root.tar" "$image" >/dev/null
rm -f "$root.tar"
echo "image.sh: built $image ($(podman image inspect --format '{{.Digest}}' "$image"))" >&2
