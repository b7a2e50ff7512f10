#!/usr/bin/env bash
# Builds OUT_DIR/libmodarch_emu.so: every kernels/*.cu, unchanged, compiled by g++ as C++20 through cuda_emu.h,
# plus the emulator runtime. Incremental (one object per .cu, rebuilt when it, the header or the flags change),
# compiles in parallel and fails on any compile error.
# usage: native/emu/build.sh OUT_DIR        env: CXX (default g++), EMU_CXXFLAGS (extra flags, e.g. ASan's)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: native/emu/build.sh OUT_DIR}
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || { echo "native/emu/build.sh: $CXX not found: the emulated CUDA device needs a C++20 compiler (g++ 12 or later)" >&2; exit 1; }
mkdir -p "$out/gen"
flags="-std=c++20 -O2 -fPIC -ffp-contract=off -fno-strict-aliasing -pthread -Wall -Wno-unknown-pragmas -I$here ${EMU_CXXFLAGS:-}"
# new flags: rebuild everything
if [ "$(cat "$out/flags" 2>/dev/null)" != "$flags" ]; then rm -f "$out"/*.o; echo "$flags" > "$out/flags"; fi

objects=()
pids=()
compile() {  # $1 source, $2 object, rest: what else it depends on
  local src=$1 obj=$2 dep
  shift 2
  objects+=("$obj")
  for dep in "$src" "$here/cuda_emu.h" "$@"; do
    if ! [ "$obj" -nt "$dep" ]; then $CXX $flags -c "$src" -o "$obj" & pids+=($!); return; fi
  done
}
write_if_changed() {  # $1 file, stdin: its new text
  local tmp="$1.tmp"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm "$tmp"; else mv "$tmp" "$1"; fi
}

shopt -s nullglob
kernels=("$root"/kernels/*.cu)
# One definition per distinct `extern __shared__` array name, in a unit of its own (the kernels' own files
# would clash with its language linkage).
perl -0777 -ne '
  BEGIN { print "#include \"cuda_emu.h\"\n" }
  s{//[^\n]*|/\*.*?\*/}{}gs;
  while (/extern\s+__shared__\s+(?:__align__\s*\(\s*\d+\s*\)\s+)?([A-Za-z_][\w:<>\s*]*?)\s+(\w+)\s*\[\s*\]/g) {
    print "EMU_DYN_SHARED($1, $2)\n" unless $seen{$2}++ }' /dev/null "${kernels[@]}" | write_if_changed "$out/gen/dyn_shared.cpp"
compile "$out/gen/dyn_shared.cpp" "$out/dyn_shared.o"
# Per .cu: a unit that includes it and registers each of its __global__ functions.
for cu in "${kernels[@]}"; do
  name=$(basename "$cu" .cu)
  perl -0777 -ne '
    s{//[^\n]*|/\*.*?\*/}{}gs;
    print "#include \"cuda_emu.h\"\n#include \"$ARGV\"\n";
    while (/__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(/g) {
      print "EMU_KERNEL($1)\n" }' "$cu" | write_if_changed "$out/gen/$name.cpp"
  compile "$out/gen/$name.cpp" "$out/kernel_$name.o" "$cu" "$root"/kernels/*.h
done
compile "$here/runtime.cpp" "$out/runtime.o" "$here/emu_api.h"
for pid in "${pids[@]}"; do wait "$pid"; done   # set -e: a failed compile fails the build
lib="$out/libmodarch_emu.so"
printf '%s\n' "${objects[@]}" | write_if_changed "$out/objects"   # a removed .cu changes the list: relink
for dep in "$out/objects" "${objects[@]}"; do
  if ! [ "$lib" -nt "$dep" ]; then $CXX -shared -pthread ${EMU_CXXFLAGS:-} -o "$lib" "${objects[@]}"; break; fi
done
