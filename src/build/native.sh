#!/usr/bin/env bash
# Builds vigil's native parts; called by Maven (generate-resources / generate-test-resources).
#   native.sh main OUT_DIR   BPF objects -> OUT/dev/vigil/bpf, workload -> OUT/dev/vigil/native
#   native.sh test OUT_DIR   test BPF objects and C helpers -> OUT/dev/vigil/...
# BPF objects are compiled with clang -target bpf -g -O2 (CO-RE, BTF kept) against the
# committed vmlinux.h of the build machine's architecture.
set -euo pipefail
mode=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in clang; do
  command -v "$tool" >/dev/null || { echo "native.sh: $tool not found (apt-get install clang libbpf-dev)" >&2; exit 1; }
done
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "native.sh: libbpf headers not found (apt-get install libbpf-dev)" >&2; exit 1; }
case "$(uname -m)" in
  x86_64) arch=x86_64 target=x86 ;;
  aarch64) arch=aarch64 target=arm64 ;;
  *) echo "native.sh: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
vmlinux="$root/src/main/bpf/vmlinux/$arch"
[ -f "$vmlinux/vmlinux.h" ] || { echo "native.sh: missing $vmlinux/vmlinux.h (bpftool btf dump file /sys/kernel/btf/vmlinux format c)" >&2; exit 1; }
strip=$(command -v llvm-strip || command -v llvm-strip-14 || true)

bpf() { # src dst
  local newer=1
  if [ -f "$2" ]; then
    newer=0
    for dep in "$1" "$root"/src/main/bpf/*.h; do [ "$dep" -nt "$2" ] && newer=1; done
  fi
  [ $newer = 1 ] || return 0
  echo "[vigil] clang -target bpf $(basename "$1")"
  clang -target bpf -mcpu=v3 -D__TARGET_ARCH_$target -g -O2 -Wall -Werror \
    -I "$vmlinux" -I "$root/src/main/bpf" -idirafter "/usr/include/$arch-linux-gnu" -c "$1" -o "$2"
  if [ -n "$strip" ]; then "$strip" -g "$2"; fi
}
cbin() { # src dst
  if [ -f "$2" ] && [ ! "$1" -nt "$2" ]; then return 0; fi
  echo "[vigil] cc $(basename "$1")"
  local extra=()
  if grep -q VIGIL_NOSTDLIB "$1"; then extra=(-nostdlib -static -fno-stack-protector -fno-builtin); fi
  if grep -q VIGIL_PTHREAD "$1"; then extra+=(-pthread); fi
  if grep -q VIGIL_FRAME_POINTERS "$1"; then # two builds: NAME with frame pointers and line tables, NAME-nofp without
    ${CC:-clang} -O2 -Wall -fomit-frame-pointer "${extra[@]}" -o "$2-nofp" "$1"
    extra+=(-fno-omit-frame-pointer -g)
  fi
  ${CC:-clang} -O2 -Wall "${extra[@]}" -o "$2" "$1"
}

case $mode in
  main)
    mkdir -p "$out/dev/vigil/bpf" "$out/dev/vigil/native"
    for f in "$root"/src/main/bpf/*.bpf.c; do
      bpf "$f" "$out/dev/vigil/bpf/$(basename "${f%.c}").o"
    done
    cbin "$root/src/main/c/vigil-workload.c" "$out/dev/vigil/native/vigil-workload"
    cbin "$root/src/main/c/vigil-webapp.c" "$out/dev/vigil/native/vigil-webapp"
    ;;
  test)
    mkdir -p "$out/dev/vigil/bpf" "$out/dev/vigil/native"
    for f in "$root"/src/test/bpf/*.bpf.c; do
      bpf "$f" "$out/dev/vigil/bpf/$(basename "${f%.c}").o"
    done
    for f in "$root"/src/test/c/*.c; do
      cbin "$f" "$out/dev/vigil/native/$(basename "${f%.c}")"
    done
    ;;
  *) echo "native.sh: unknown mode $mode" >&2; exit 2 ;;
esac
