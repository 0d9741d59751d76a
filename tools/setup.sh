# shellcheck shell=bash
# Sourced by ./vigil and ./run-tests: installs what vigil needs on Debian 12 (as root) and
# finds JDK 25. Says what it does on stderr. Sets JAVA_HOME and VIGIL_ROOT.
export VIGIL_ROOT; VIGIL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VIGIL_ROOT

vigil_say() { printf '[vigil] %s\n' "$*" >&2; }
vigil_die() { printf 'vigil: %s\n' "$*" >&2; exit 1; }

vigil_any_exists() { local f; for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }

vigil_install_packages() {
  local missing=()
  command -v clang >/dev/null 2>&1 || missing+=(clang)
  command -v llvm-strip >/dev/null 2>&1 || missing+=(llvm)
  command -v bpftool >/dev/null 2>&1 || missing+=(bpftool)
  [ -f /usr/include/bpf/bpf_helpers.h ] || missing+=(libbpf-dev)
  vigil_any_exists /usr/lib/*/libbpf.so.1 /usr/lib/libbpf.so.1 || missing+=(libbpf1)
  [ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
  vigil_any_exists /usr/include/*/asm/unistd_64.h /usr/include/asm/unistd_64.h || missing+=(linux-libc-dev)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  vigil_any_exists /usr/include/*/sys/sdt.h /usr/include/sys/sdt.h || missing+=(systemtap-sdt-dev)   # sys/sdt.h: the test build's USDT probe
  for extra in "$@"; do command -v "$extra" >/dev/null 2>&1 || dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  vigil_install_named "${missing[@]}"
}

vigil_install_named() { # installs the Debian packages named (as root), saying so
  [ "$(id -u)" = 0 ] || vigil_die "missing packages: $*; install them as root: apt-get install -y $*"
  vigil_say "installing missing packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || vigil_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "$@" >&2 || vigil_die "apt-get install $* failed"
}

vigil_java_feature() { # prints the feature version of a java binary
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}

vigil_find_jdk() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    local v; v=$(vigil_java_feature "$cand/bin/java")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  if [ "$(id -u)" = 0 ] && apt-cache show openjdk-25-jdk-headless >/dev/null 2>&1; then
    vigil_say "installing openjdk-25-jdk-headless"
    apt-get install -y -qq openjdk-25-jdk-headless >&2 && vigil_find_jdk && return 0
  fi
  vigil_die "JDK 25 not found: install one (e.g. Temurin 25 under /usr/lib/jvm) or set JAVA_HOME to it"
}

# The JVM flags of every vigil launch (./vigil and bench/): native access for libbpf,
# DJL offline (no network at run time), the serial GC (one short-lived process), and
# sun.misc.Unsafe allowed without a warning at exit (Kafka's clients and the demo's broker use it).
VIGIL_JAVA_OPTS=(--enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -XX:+UseSerialGC --sun-misc-unsafe-memory-access=allow)

export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

vigil_build_if_needed() {
  local jar="$VIGIL_ROOT/target/vigil.jar"
  if [ -f "$jar" ] && [ -z "$(find "$VIGIL_ROOT/src" "$VIGIL_ROOT/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  vigil_say "building vigil (Maven, clang for the BPF programs) ..."
  (cd "$VIGIL_ROOT" && mvn -q -B -Dstyle.color=never package -DskipTests </dev/null 2>&1 | sed "s/\x1b\[[0-9;]*m//g" >&2) || vigil_die "build failed (run: cd $VIGIL_ROOT && mvn package -DskipTests)"
}
