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
// A cp.async not yet completed: its bytes land at the cp.async.wait_group that needs them (see cp_async_wait).
struct AsyncCopy { void* dst; const void* src; unsigned bytes, group; };
constexpr int kAsyncCopies = 64;                  // in flight per thread; one more completes the oldest early
struct AsyncCopies { AsyncCopy copy[kAsyncCopies]; int count = 0; unsigned group = 0; };
struct Thread { uint3 tid; unsigned lane, warp; int parity; bool done; AsyncCopies async; };
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

// Every lane of a full warp must call it: all[l] = lane l's v, through one barrier (as exchange, whose two slot
// sets keep it safe).
template <class T> void exchange_all(T v, T (&all)[32]) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
    Block* b = blk;
    Thread* t = b->cur;
    Warp& w = b->warps[t->warp];
    if (w.size != 32) __builtin_trap();   // warp-collective instructions need a full warp
    const int p = (t->parity ^= 1);
    std::memcpy(&w.slot[p][t->lane], &v, sizeof(T));
    wait(w.bar);
    for (int l = 0; l < 32; ++l) std::memcpy(&all[l], &w.slot[p][l], sizeof(T));
}
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

// Tensor-core and asynchronous-copy twins of the PTX that kernels/mma.h wraps.
namespace emu {
// cvt.rna.tf32.f32: round to nearest, ties away from zero, to 10 mantissa bits (the low 13 bits zero); Inf stays,
// NaN stays a quiet NaN (so that ignoring its low 13 bits, as mma does, keeps it a NaN).
inline uint32_t cvt_rna_tf32(float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    if ((u & 0x7f800000u) == 0x7f800000u) return (u & 0x007fffffu) ? u | 0x00400000u : u;
    return (u + 0x1000u) & ~0x1fffu;   // adds half a tf32 ulp to the magnitude: ties go away from zero
}

// The value mma reads from a .tf32 register: its top 19 bits (the low 13 are ignored).
inline float tf32_value(uint32_t r) { return std::bit_cast<float>(r & ~0x1fffu); }

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 d, a, b, c: D (16 x 8) = A (16 x 8) * B (8 x 8) + C, warp-wide.
// Lane l holds, with g = l >> 2 and t = l % 4 (the PTX ISA's groupID and threadID_in_group):
//   a[0..3] = A[g][t], A[g + 8][t], A[g][t + 4], A[g + 8][t + 4]
//   b[0..1] = B[t][g], B[t + 4][g]
//   c[0..3], d[0..3] = C[g][2t], C[g][2t + 1], C[g + 8][2t], C[g + 8][2t + 1]
// Each d = c, then + A[i][p] * B[p][j] for p = 0..7 in order, each step rounded to float (the products of tf32
// values are exact in float). The hardware's order is unspecified; this one is fixed.
inline void mma_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4]) {
    uint64_t a01[32], a23[32], b01[32];
    exchange_all((uint64_t)a[0] | (uint64_t)a[1] << 32, a01);
    exchange_all((uint64_t)a[2] | (uint64_t)a[3] << 32, a23);
    exchange_all((uint64_t)b[0] | (uint64_t)b[1] << 32, b01);
    float A[16][8], B[8][8];
    for (int l = 0; l < 32; ++l) {
        const int g = l >> 2, t = l % 4;
        A[g][t] = tf32_value((uint32_t)a01[l]);
        A[g + 8][t] = tf32_value((uint32_t)(a01[l] >> 32));
        A[g][t + 4] = tf32_value((uint32_t)a23[l]);
        A[g + 8][t + 4] = tf32_value((uint32_t)(a23[l] >> 32));
        B[t][g] = tf32_value((uint32_t)b01[l]);
        B[t + 4][g] = tf32_value((uint32_t)(b01[l] >> 32));
    }
    const int g = lane() >> 2, t = lane() % 4;
    for (int r = 0; r < 4; ++r) {
        const int i = g + 8 * (r >> 1), j = 2 * t + (r & 1);
        float acc = c[r];
        for (int p = 0; p < 8; ++p) acc += A[i][p] * B[p][j];
        d[r] = acc;
    }
}

// cp.async.{ca,cg}.shared.global of bytes (4, 8 or 16): queued in the thread's current group, copied when a
// cp.async.wait_group lets fewer groups stay pending, so a kernel that reads shared memory before waiting reads
// stale data here too. A full queue completes its oldest copy early, which the hardware may also do.
inline void cp_async(void* dst, const void* src, unsigned bytes) {
    AsyncCopies& q = blk->cur->async;
    if (q.count == kAsyncCopies) {
        std::memcpy(q.copy[0].dst, q.copy[0].src, q.copy[0].bytes);
        std::memmove(q.copy, q.copy + 1, sizeof(AsyncCopy) * (kAsyncCopies - 1));
        --q.count;
    }
    q.copy[q.count++] = {dst, src, bytes, q.group};
}

// cp.async.commit_group: later copies belong to the next group.
inline void cp_async_commit() { ++blk->cur->async.group; }

// cp.async.wait_group pending: completes every copy except those of the newest `pending` committed groups and of
// the group not yet committed (cp.async.wait_all is a commit, then a wait for 0).
inline void cp_async_wait(unsigned pending) {
    AsyncCopies& q = blk->cur->async;
    int kept = 0;
    for (int i = 0; i < q.count; ++i) {
        const AsyncCopy& x = q.copy[i];
        if (q.group - x.group <= pending) q.copy[kept++] = x;
        else std::memcpy(x.dst, x.src, x.bytes);
    }
    q.count = kept;
}
}  // namespace emu

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
