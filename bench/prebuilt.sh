#!/usr/bin/env bash
# Packs what `PREBUILT=DIR bench/gpu-check.sh` needs on a GPU machine that has neither Maven nor Java into one
# archive: the -Pbench jar (with GpuStepTimer and GridProjection), the test classes (the gpu-tagged tests), the
# JUnit console launcher and a Java runtime made with jlink from the modules jdeps finds in the jar.
#
#   bench/prebuilt.sh [ARCHIVE]       # here: writes ARCHIVE (default .prebuilt/prebuilt.tgz, ignored by git)
#   mkdir -p /tmp/pb && tar xzf .prebuilt/prebuilt.tgz -C /tmp/pb && PREBUILT=/tmp/pb bench/gpu-check.sh   # there
#
# The archive travels beside the repository to a machine lent for a few minutes (see bench/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
archive=${1:-.prebuilt/prebuilt.tgz}
console_version=1.14.4
mvn -B -q -Pbench -DskipTests package
mvn -B -q test-compile
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$console_version \
  -DoutputDirectory=target -Dmdep.stripVersion=true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp target/modarch.jar target/junit-platform-console-standalone.jar "$work/"
mv "$work/junit-platform-console-standalone.jar" "$work/junit-console.jar"
cp -r target/test-classes "$work/test-classes"
modules=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps target/modarch.jar | tail -1)
jlink --add-modules "$modules,jdk.management" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$work/jre" > /dev/null
mkdir -p "$(dirname "$archive")"
tar czf "$archive.tmp" -C "$work" .
mv "$archive.tmp" "$archive"
echo "bench/prebuilt.sh: wrote $archive ($(du -h "$archive" | cut -f1); modules $modules)" >&2
