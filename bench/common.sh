# shellcheck shell=bash
# Shared by the bench scripts: dependencies, JDK 25, compiled test classes and a classpath.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../tools/setup.sh"
vigil_install_packages
vigil_find_jdk
cd "$VIGIL_ROOT"
vigil_say "compiling (mvn test-compile) ..."
mvn -q -B -Dstyle.color=never test-compile >&2
CP="target/test-classes:target/classes:$(mvn -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)"
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -cp "$CP")
export VIGIL_TEST_NATIVE="$VIGIL_ROOT/target/test-classes/dev/vigil/native"
