// Tensor-core and asynchronous-copy instructions for the kernels: inline PTX under nvcc (sm_80 and newer), the
// emulated device's twins (native/emu/cuda_emu.h) under g++. One wrapper per instruction, same meaning on both.
#pragma once

// cvt.rna.tf32.f32: x rounded to TF32 (10 mantissa bits, to nearest, ties away from zero), in a .b32 register.
__device__ __forceinline__ unsigned tf32_round(float x) {
#ifdef __CUDACC__
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#else
    return emu::cvt_rna_tf32(x);
#endif
}

// The float value of a TF32 register (its low 13 bits, which mma ignores, cleared).
__device__ __forceinline__ float tf32_float(unsigned r) {
    return __uint_as_float(r & ~0x1fffu);
}

// d += A * B for one m16n8k8 TF32 product of a warp (mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32). Lane l,
// with g = l / 4 and t = l % 4, holds a = A[g][t], A[g + 8][t], A[g][t + 4], A[g + 8][t + 4]; b = B[t][g],
// B[t + 4][g]; d = D[g][2t], D[g][2t + 1], D[g + 8][2t], D[g + 8][2t + 1]. Every lane of the warp calls it.
__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
#ifdef __CUDACC__
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
    emu::mma_m16n8k8_tf32(d, a, b, d);
#endif
}

// cp.async of BYTES (4, 8 or 16; both addresses aligned to it) from global src to shared dst: .cg (L2 only) for 16,
// .ca otherwise. Complete only after cp_async_wait.
template <int BYTES> __device__ __forceinline__ void cp_async(float* dst, const float* src) {
    static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async copies 4, 8 or 16 bytes");
#ifdef __CUDACC__
    const unsigned shared = (unsigned)__cvta_generic_to_shared(dst);
    if constexpr (BYTES == 16) asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(shared), "l"(src) : "memory");
    else asm volatile("cp.async.ca.shared.global [%0], [%1], %2;" :: "r"(shared), "l"(src), "n"(BYTES) : "memory");
#else
    emu::cp_async(dst, src, BYTES);
#endif
}

// cp.async.commit_group: the thread's cp.async since the last commit form one group.
__device__ __forceinline__ void cp_async_commit() {
#ifdef __CUDACC__
    asm volatile("cp.async.commit_group;" ::: "memory");
#else
    emu::cp_async_commit();
#endif
}

// cp.async.wait_group PENDING: waits until at most the PENDING newest committed groups of the thread are in flight
// (other threads' copies are visible only after a __syncthreads as well).
template <int PENDING> __device__ __forceinline__ void cp_async_wait() {
#ifdef __CUDACC__
    asm volatile("cp.async.wait_group %0;" :: "n"(PENDING) : "memory");
#else
    emu::cp_async_wait(PENDING);
#endif
}
