#!/usr/bin/env bash
# The agent's own cost on this host: CPU (cores) and memory (RSS) of `vigil agent` with its
# default detectors (workload profiles with first-seen filtering in the kernel, exec
# context; the sequence detector is off by default) over a measured period after a warm-up,
# and the alerts it raised meanwhile. LOAD, a watched service's load while measured, from a
# generator in a cgroup of its own (a workload the agent profiles), learnt in the warm-up so
# it raises no alert:
#   files:N   N/2 new files created and deleted a second: N first sights a second cross to the agent
#   execs:N   N program starts a second (fork, exec /bin/true): N exec events a second
#   calls:N   N system calls a second (five cheap calls in turn)
# (a bare N is files:N; 0: no load). Run it on a quiet host: whatever else runs is what the
# agent watches. (root)
# Usage: bench/agent.sh [seconds=300] [warmup=30] [load=0]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../tools/setup.sh"
vigil_install_packages
vigil_find_jdk
vigil_build_if_needed
secs=${1:-300} warm=${2:-30} load=${3:-0}
case "$load" in
  0) kind=none rate=0 ;;
  files:*|execs:*|calls:*) kind=${load%%:*} rate=${load#*:} ;;
  *[!0-9]*) vigil_die "load must be N, files:N, execs:N or calls:N, not '$load'" ;;
  *) kind=files rate=$load ;;
esac
[[ "$rate" =~ ^[0-9]+$ ]] || vigil_die "load rate must be a whole number, not '$rate'"
dir=$(mktemp -d /tmp/vigil-agent-bench.XXXXXX)
cgroot=/sys/fs/cgroup; [ -f "$cgroot/cgroup.controllers" ] || cgroot=/sys/fs/cgroup/unified
cg="$cgroot/vigil-agent-bench-$$"
gen=
trap 'kill "$pid" $gen 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rmdir "$cg" 2>/dev/null || true; rm -rf "$dir"' EXIT
if [ "$kind" != none ]; then
  ${CC:-clang} -O2 -o "$dir/newfiles" "$VIGIL_ROOT/src/test/c/newfiles.c"
  ${CC:-clang} -O2 -o "$dir/paced" "$VIGIL_ROOT/src/test/c/paced.c"
  mkdir -p "$dir/load" "$cg"
fi
# runs a generator in the bench's own cgroup (a workload of its own, as a service would be)
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
generate() { # seconds
  case "$kind" in
    files) in_cg "$dir/newfiles" "$((rate / 2))" "$1" "$dir/load" ;;
    *) in_cg "$dir/paced" "$kind" "$rate" "$1" ;;
  esac
}
cat > "$dir/vigil.yaml" <<YAML
state_dir: $dir/state
detectors: {profiles: {}}
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
if [ "$kind" != none ]; then
  # learnt before the measured period: the generator's items (files: create, delete; execs: /bin/true) and its calls
  generate 2 >/dev/null
  generate "$secs" > "$dir/made" &
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
[ -n "$gen" ] && wait "$gen" 2>/dev/null || true
made=$(cat "$dir/made" 2>/dev/null || true)
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" -v max="$maxrss" -v sum="$sum" -v n="$n" -v a="$((a1 - a0))" -v kind="$kind" -v rate="$rate" -v made="$made" 'BEGIN {
  wall = t1 - t0; cores = (c1 - c0) / hz / wall;
  if (kind == "files") what = sprintf(", %d first sights a second from a generator", rate);
  else if (kind == "execs") what = sprintf(", a watched service starting %d programs a second", rate);
  else if (kind == "calls") what = sprintf(", a watched service making %d system calls a second", rate);
  else what = ", no load";
  printf "vigil agent, defaults (workload profiles, exec context), %.0f s measured after warm-up%s\n", wall, what;
  if (made != "") printf "  load      %s\n", made;
  printf "  CPU       %.4f cores (%.2f %% of one core)\n", cores, 100 * cores;
  printf "  RSS       mean %.1f MiB, max %.1f MiB\n", sum / n / 1024, max / 1024;
  printf "  alerts    %d raised while measured\n", a;
}'
grep -E "profiles|alerts raised|workload probe" "$dir/err" | sed 's/^/  /'
