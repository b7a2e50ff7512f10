// cuda_emu.h: compiles plain CUDA kernels (kernels/*.cu) as C++20 with g++ and runs them on the CPU.
// Model: the threads of a block are fibers on ONE OS thread, blocks run in parallel on worker threads, so
// `__shared__` = `thread_local` is exactly one copy per block in flight (native/emu/build.sh defines the
// `extern __shared__` arrays). __syncthreads is a cooperative barrier, warp shuffles go through a per-warp
// exchange, atomics are real atomics (blocks run concurrently). Build with -ffp-contract=off: no FMA
// contraction, fmaf only where the kernel asks for it.
#pragma once
#include <atomic>
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ thread_local
#define __constant__
#define EMU_MAX_DYN_SMEM (48 * 1024)

struct uint3 { unsigned x, y, z; };
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

namespace emu {
struct Barrier { int expected = 0, count = 0; unsigned gen = 0; };
struct Thread { uint3 tid; unsigned lane, warp; int parity; bool done; };
struct Warp { Barrier bar; int size; uint64_t slot[2][32]; };
struct Block { uint3 idx; dim3 dim, grid; Thread* cur; Barrier bar; Warp* warps; };
extern thread_local Block* blk;   // the block this worker thread runs
void wait(Barrier& b);            // cooperative barrier: yields to the block's other fibers until all arrive

// Every live lane of the warp must call it (as every lane in the mask of a *_sync call): lane's value in, src's out.
template <class T> T exchange(T v, int src) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
    Block* b = blk;
    Thread* t = b->cur;
    Warp& w = b->warps[t->warp];
    const int p = (t->parity ^= 1);   // two slot sets: one barrier per exchange suffices
    std::memcpy(&w.slot[p][t->lane], &v, sizeof(T));
    wait(w.bar);
    if (src < 0 || src >= w.size) src = (int)t->lane;
    T r;
    std::memcpy(&r, &w.slot[p][src], sizeof(T));
    return r;
}
inline int lane() { return (int)blk->cur->lane; }
}  // namespace emu

#define threadIdx (emu::blk->cur->tid)
#define blockIdx (emu::blk->idx)
#define blockDim (emu::blk->dim)
#define gridDim (emu::blk->grid)
#define warpSize 32

inline void __syncthreads() { emu::wait(emu::blk->bar); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::wait(emu::blk->warps[emu::blk->cur->warp].bar); }

// Shuffles: masks are ignored (all live lanes of the warp take part); width w splits the warp into segments.
template <class T> T __shfl_sync(unsigned, T v, int src, int w = 32) {
    const int l = emu::lane();
    return emu::exchange(v, (l & ~(w - 1)) + (src & (w - 1)));
}
template <class T> T __shfl_xor_sync(unsigned, T v, int mask, int w = 32) {
    const int l = emu::lane(), s = l ^ mask;
    return emu::exchange(v, (s & ~(w - 1)) == (l & ~(w - 1)) ? s : l);
}
template <class T> T __shfl_down_sync(unsigned, T v, unsigned d, int w = 32) {
    const int l = emu::lane(), s = l + (int)d;
    return emu::exchange(v, (s & ~(w - 1)) == (l & ~(w - 1)) ? s : l);
}
template <class T> T __shfl_up_sync(unsigned, T v, unsigned d, int w = 32) {
    const int l = emu::lane(), s = l - (int)d;
    return emu::exchange(v, s >= (l & ~(w - 1)) ? s : l);
}
inline unsigned __ballot_sync(unsigned, int pred) {   // one exchange per lane of the warp
    unsigned r = 0;
    const int n = emu::blk->warps[emu::blk->cur->warp].size;
    for (int i = 0; i < n; ++i) r |= (unsigned)emu::exchange(pred ? 1 : 0, i) << i;
    return r;
}

// Atomics: a block's fibers never run at once, but blocks do (worker threads), hence real atomics.
template <class T> T atomicAdd(T* a, std::type_identity_t<T> v) { return std::atomic_ref<T>(*a).fetch_add(v); }
template <class T> T atomicSub(T* a, std::type_identity_t<T> v) { return std::atomic_ref<T>(*a).fetch_sub(v); }
template <class T> T atomicExch(T* a, std::type_identity_t<T> v) { return std::atomic_ref<T>(*a).exchange(v); }
template <class T> T atomicCAS(T* a, std::type_identity_t<T> expected, std::type_identity_t<T> v) {
    std::atomic_ref<T>(*a).compare_exchange_strong(expected, v);
    return expected;
}
template <class T> T atomicMax(T* a, std::type_identity_t<T> v) {
    std::atomic_ref<T> r(*a);
    T o = r.load();
    while (o < v && !r.compare_exchange_weak(o, v)) {}
    return o;
}
template <class T> T atomicMin(T* a, std::type_identity_t<T> v) {
    std::atomic_ref<T> r(*a);
    T o = r.load();
    while (v < o && !r.compare_exchange_weak(o, v)) {}
    return o;
}
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_signal_fence(std::memory_order_seq_cst); }

// Intrinsics. The _rn forms are IEEE round-to-nearest, as on the GPU; the fast-math ones (__expf, __logf) are
// exact here, so results differ from a GPU's in the last bits: compare with tolerances.
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double x) { return std::sqrt(x); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fdividef(float a, float b) { return a / b; }
using std::isfinite; // CUDA declares these globally for device code
using std::isinf;
using std::isnan;
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline float __saturatef(float x) { return fminf(fmaxf(x, 0.0f), 1.0f); }
inline int __float_as_int(float f) { return std::bit_cast<int>(f); }
inline float __int_as_float(int i) { return std::bit_cast<float>(i); }
inline unsigned __float_as_uint(float f) { return std::bit_cast<unsigned>(f); }
inline float __uint_as_float(unsigned i) { return std::bit_cast<float>(i); }
inline double __longlong_as_double(long long i) { return std::bit_cast<double>(i); }
inline long long __double_as_longlong(double d) { return std::bit_cast<long long>(d); }
inline int __double2hiint(double d) { return (int)(std::bit_cast<uint64_t>(d) >> 32); }
inline int __double2loint(double d) { return (int)(uint32_t)std::bit_cast<uint64_t>(d); }
inline double __hiloint2double(int hi, int lo) {
    return std::bit_cast<double>((uint64_t)(uint32_t)hi << 32 | (uint32_t)lo);
}
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)((uint64_t)a * b >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)((unsigned __int128)a * b >> 64);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x ? __builtin_clz((unsigned)x) : 32; }
template <class T> T __ldg(const T* p) { return *p; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }

// Kernel registration, used by the wrapper build.sh generates for each .cu: EMU_KERNEL(name) registers the
// kernel with a thunk that unpacks cuLaunchKernel-style params (params[i] points to the i-th value) and
// its signature, one letter per parameter: p pointer, i 32-bit integer, f float, l 64-bit integer, d double.
namespace emu {
using Thunk = void (*)(void** params);
void register_kernel(const char* name, Thunk thunk, const char* signature);
template <class... A, size_t... I> void invoke(void (*f)(A...), void** params, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(params[I])...);
}
template <auto F> void thunk(void** params) {
    [&]<class... A>(void (*f)(A...)) { invoke(f, params, std::index_sequence_for<A...>{}); }(F);
}
template <class T> constexpr char code() {
    if constexpr (std::is_pointer_v<T>) return 'p';
    else if constexpr (std::is_same_v<T, float>) return 'f';
    else if constexpr (std::is_same_v<T, double>) return 'd';
    else if constexpr (std::is_integral_v<T> && sizeof(T) == 4) return 'i';
    else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) return 'l';
    else return '?';
}
template <class... A> const char* signature(void (*)(A...)) {
    static const char s[] = {code<A>()..., 0};
    return s;
}
}  // namespace emu
#define EMU_KERNEL(k) \
    static const int emu_registered_##k = (emu::register_kernel(#k, &emu::thunk<&k>, emu::signature(&k)), 0);
#define EMU_DYN_SHARED(T, name) alignas(16) thread_local T name[EMU_MAX_DYN_SMEM / sizeof(T)];
