#!/usr/bin/env bash
# Generates vigil's syscall-number tables from the kernel UAPI headers (Debian's
# linux-libc-dev), one "number<TAB>name" line per call, sorted by number:
#   x86_64  <- asm/unistd_64.h
#   i386    <- asm/unistd_32.h (ADFA-LD's numbering)
#   aarch64 <- asm-generic/unistd.h, preprocessed with arm64's __ARCH_WANT_* switches
# Usage: tools/gen-syscall-tables.sh [OUT_DIR]   (default: src/main/resources/dev/vigil/syscalls)
# SyscallTableTest runs it again and checks the committed tables still match.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/src/main/resources/dev/vigil/syscalls}
inc=${VIGIL_UAPI_INCLUDE:-/usr/include}
mkdir -p "$out"
asm=$( (ls -d "$inc"/x86_64-linux-gnu/asm "$inc"/asm 2>/dev/null || true) | head -1)

from_defines() { # reads "#define __NR_name number" lines
  sed -nE 's/^#define[[:space:]]+__NR_([a-z0-9_]+)[[:space:]]+([0-9]+)[[:space:]]*$/\2\t\1/p' | sort -n -k1,1 -u
}
from_defines < "$asm/unistd_64.h" > "$out/x86_64.tsv"
from_defines < "$asm/unistd_32.h" > "$out/i386.tsv"
# arm64: arch/arm64/include/uapi/asm/unistd.h switches, then the generic table. An empty
# asm/bitsperlong.h stands in for the arm64 one (__BITS_PER_LONG is defined here).
stub=$(mktemp -d); trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/asm" && : > "$stub/asm/bitsperlong.h"
printf '%s\n' '#define __BITS_PER_LONG 64' '#define __ARCH_WANT_RENAMEAT' '#define __ARCH_WANT_NEW_STAT' \
  '#define __ARCH_WANT_SET_GET_RLIMIT' '#define __ARCH_WANT_TIME32_SYSCALLS' '#define __ARCH_WANT_SYS_CLONE3' \
  '#include <asm-generic/unistd.h>' \
  | ${CPP:-cpp} -P -dM -nostdinc -I "$stub" -I "$inc" - \
  | sed -nE -e 's/^#define __NR3264_([a-z0-9_]+) (.*)$/3264_\1 \2/p' -e 's/^#define __NR_([a-z0-9_]+) (.*)$/\1 \2/p' \
  | awk '{ v[$1] = $2 } END {
      for (k in v) { x = v[k]; n = 0
        while (x !~ /^[0-9]+$/ && n < 8) { gsub(/[()]/, "", x); if (x ~ /^[0-9]+$/) break
          if (x ~ /^__NR_/ ) { x = v[substr(x, 6)] } else if (x ~ /^__NR3264_/) { x = v["3264_" substr(x, 10)] } else break; n++ }
        if (x ~ /^[0-9]+$/ && k !~ /^(syscalls|arch_specific_syscall)$/ && k !~ /^3264_/) print x "\t" k } }' \
  | sort -n -k1,1 -u > "$out/aarch64.tsv"
wc -l "$out"/*.tsv
