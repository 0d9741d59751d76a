# shellcheck shell=bash
# Shared by the bench scripts: dependencies, JDK 25, compiled test classes and a classpath.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../tools/setup.sh"
vigil_install_packages
vigil_find_jdk
cd "$VIGIL_ROOT"
vigil_say "compiling (mvn test-compile) ..."
mvn -q -B -Dstyle.color=never test-compile >&2
# the class path goes through a file: Maven's console output carries colour escapes even with -q
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >&2
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true --sun-misc-unsafe-memory-access=allow -cp "$CP")
export VIGIL_TEST_NATIVE="$VIGIL_ROOT/target/test-classes/dev/vigil/native"
