#!/usr/bin/env bash
# The agent's own cost on this host: CPU (cores) and memory (RSS) of `vigil agent` with its
# default detectors (every process's sequence profile in the kernel, workload profiles with
# first-seen filtering in the kernel, exec context) over a measured period after a warm-up,
# and the alerts it raised meanwhile. With LOAD > 0, a generator creates and deletes LOAD/2
# new files a second while measured: LOAD first sights a second cross to the agent (all
# generalise to two known items, so no alert). Run it on a quiet host: whatever else runs
# is what the agent watches. (root)
# Usage: bench/agent.sh [seconds=300] [warmup=30] [load=0]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../tools/setup.sh"
vigil_install_packages
vigil_find_jdk
vigil_build_if_needed
secs=${1:-300} warm=${2:-30} load=${3:-0}
dir=$(mktemp -d /tmp/vigil-agent-bench.XXXXXX)
gen=
trap 'kill "$pid" $gen 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
if [ "$load" -gt 0 ]; then
  ${CC:-clang} -O2 -o "$dir/newfiles" "$VIGIL_ROOT/src/test/c/newfiles.c"
  mkdir -p "$dir/load"
fi
cat > "$dir/vigil.yaml" <<YAML
state_dir: $dir/state
detectors: {sequence: {pin_dir: /sys/fs/bpf/vigil-bench-$$}}
outputs:
  file: {path: $dir/alerts.json}
YAML
"$JAVA_HOME/bin/java" "${VIGIL_JAVA_OPTS[@]}" -jar "$VIGIL_ROOT/target/vigil.jar" agent --config "$dir/vigil.yaml" >/dev/null 2>"$dir/err" &
pid=$!
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
vigil_say "agent pid $pid; warm-up ${warm}s, then ${secs}s measured"
sleep "$warm"
if [ "$load" -gt 0 ]; then
  # learnt before the measured period: the generator's two items (create, delete) and its calls
  "$dir/newfiles" "$((load / 2))" 2 "$dir/load" >/dev/null
  "$dir/newfiles" "$((load / 2))" "$secs" "$dir/load" > "$dir/made" &
  gen=$!
fi
c0=$(cpu); t0=$(date +%s.%N); a0=$(wc -l < "$dir/alerts.json" 2>/dev/null || echo 0)
maxrss=0; sum=0; n=0
for ((i = 0; i < secs; i += 5)); do
  sleep 5
  r=$(rss); sum=$((sum + r)); n=$((n + 1)); [ "$r" -gt "$maxrss" ] && maxrss=$r
done
c1=$(cpu); t1=$(date +%s.%N); a1=$(wc -l < "$dir/alerts.json" 2>/dev/null || echo 0)
kill -TERM "$pid"; wait "$pid" || true
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" -v max="$maxrss" -v sum="$sum" -v n="$n" -v a="$((a1 - a0))" -v load="$load" 'BEGIN {
  wall = t1 - t0; cores = (c1 - c0) / hz / wall;
  what = (load > 0) ? sprintf(", %d first sights a second from a generator", load) : ", no load";
  printf "vigil agent, defaults (sequence detector on every process, workload profiles, exec context), %.0f s measured after warm-up%s\n", wall, what;
  printf "  CPU       %.4f cores (%.2f %% of one core)\n", cores, 100 * cores;
  printf "  RSS       mean %.1f MiB, max %.1f MiB\n", sum / n / 1024, max / 1024;
  printf "  alerts    %d raised while measured\n", a;
}'
grep -E "profiles|alerts raised|workload probe" "$dir/err" | sed 's/^/  /'
