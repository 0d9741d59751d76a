#!/usr/bin/env bash
# Installs vigil as a service (as root): builds the jar if needed, copies it and its lib/ to /opt/vigil,
# writes /opt/vigil/bin/vigil (the JDK 25 found now), the systemd unit and, unless one
# exists, /etc/vigil/vigil.yaml (the built-in defaults, printed by vigil agent --print-config).
# Then: systemctl daemon-reload && systemctl enable --now vigil
# Usage: packaging/install.sh [--prefix /opt/vigil] [--unit-dir /etc/systemd/system] [--config-dir /etc/vigil]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../tools/setup.sh"
prefix=/opt/vigil unit_dir=/etc/systemd/system config_dir=/etc/vigil
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --unit-dir) unit_dir=$2; shift 2 ;;
    --config-dir) config_dir=$2; shift 2 ;;
    *) vigil_die "unknown option $1 (see the header of $0)" ;;
  esac
done
[ "$(id -u)" = 0 ] || vigil_die "run as root"
vigil_install_packages
vigil_find_jdk
vigil_build_if_needed
vigil_say "installing into $prefix"
install -d "$prefix/bin" "$unit_dir" "$config_dir"
install -m 0644 "$VIGIL_ROOT/target/vigil.jar" "$prefix/vigil.jar"
rm -rf "$prefix/lib" && cp -r "$VIGIL_ROOT/target/lib" "$prefix/lib"   # the jar's Class-Path
install -m 0644 "$VIGIL_ROOT/README.md" "$prefix/README.md"
cat > "$prefix/bin/vigil" <<SH
#!/bin/sh
# written by packaging/install.sh
exec "$JAVA_HOME/bin/java" ${VIGIL_JAVA_OPTS[*]} \${VIGIL_JAVA_OPTS:-} -jar "$prefix/vigil.jar" "\$@"
SH
chmod 0755 "$prefix/bin/vigil"
sed "s#/opt/vigil#$prefix#g; s#/etc/vigil/vigil.yaml#$config_dir/vigil.yaml#g" "$VIGIL_ROOT/packaging/vigil.service" > "$unit_dir/vigil.service"
if [ ! -e "$config_dir/vigil.yaml" ]; then
  (umask 077 && "$prefix/bin/vigil" agent --print-config > "$config_dir/vigil.yaml")   # 0600: it may hold webhook tokens
  vigil_say "wrote $config_dir/vigil.yaml (the defaults; edit it, then systemctl restart vigil)"
fi
vigil_say "installed; start it with: systemctl daemon-reload && systemctl enable --now vigil"
