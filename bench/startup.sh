#!/usr/bin/env bash
# Time from launch to the probe attached: `vigil learn` (until it prints that it is
# learning, which it does right after attach; JVM flags as ./vigil uses them) and bpftrace running the equivalent
# one-liner (until it prints "Attaching 1 probe"), alternated, in one run. Needs root.
# Usage: bench/startup.sh [rounds=5]
source "$(dirname "$(readlink -f "$0")")/common.sh"
vigil_install_packages bpftrace
rounds=${1:-5}
mvn -q -B -Dstyle.color=never package -DskipTests >&2
sleep 600 & target=$!
trap 'kill $target 2>/dev/null' EXIT
first_line_ms() { # pattern cmd...: ms from launch until a stdout line matches pattern
  local pat=$1; shift
  local t0 t1; t0=$(date +%s%N)
  "$@" 2>/dev/null | while IFS= read -r line; do
    if [[ $line == *"$pat"* ]]; then date +%s%N; break; fi
  done > /tmp/vigil-startup.$$ || true
  t1=$(head -1 /tmp/vigil-startup.$$); rm -f /tmp/vigil-startup.$$
  echo $(( (t1 - t0) / 1000000 ))
}
v=() b=()
for ((i = 0; i < rounds; i++)); do
  rm -f /tmp/vigil-startup.csv
  v+=("$(first_line_ms "learning from process" timeout 20 "$JAVA_HOME/bin/java" "${VIGIL_JAVA_OPTS[@]}" \
        -jar target/vigil.jar learn --pid "$target" --data /tmp/vigil-startup.csv --force --samples 1)")
  b+=("$(first_line_ms "Attaching" timeout 20 bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $target/ { @[args->id] = count(); }")")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "launch to probe attached, median of $rounds alternated rounds"
echo "  vigil learn   $(med "${v[@]}") ms   (all: ${v[*]})"
echo "  bpftrace      $(med "${b[@]}") ms   (all: ${b[*]})"
