#!/usr/bin/env bash
# Replays a launch trace (EmulatedDriver.startTrace) under AddressSanitizer: kernels/*.cu and the emulator
# runtime built with -fsanitize=address into target/asan (incrementally), then replay TRACE; its exit status is
# the replay's (0: clean; non-zero with an ASan report naming the .cu line on an out-of-bounds access).
# usage: native/asan/run.sh TRACE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trace=${1:?usage: native/asan/run.sh TRACE}
out="$root/target/asan"
asan="-fsanitize=address -fno-omit-frame-pointer -g -O1"
# ucontext fibers: ASan follows swapcontext, not the asm switch
EMU_CXXFLAGS="$asan -DEMU_UCONTEXT" "$root/native/emu/build.sh" "$out"
replay="$out/replay"
if ! [ "$replay" -nt "$here/replay.cpp" ] || ! [ "$replay" -nt "$out/libmodarch_emu.so" ]; then
  g++ -std=c++20 -Wall $asan -I"$root/native/emu" "$here/replay.cpp" -L"$out" -lmodarch_emu -Wl,-rpath,"$out" \
    -pthread -o "$replay"
fi
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$replay" "$trace"
