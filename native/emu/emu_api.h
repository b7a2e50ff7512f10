/* C API of the emulated CUDA device (libmodarch_emu.so), shaped like the driver calls the Java backend makes:
   cuMemAlloc, cuMemFree, cuMemcpy, cuMemsetD32, cuLaunchKernel (params[i] points to the i-th argument value). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Runs the kernel to completion: 0 = done, else emu_last_error() (of the calling thread) says why. */
int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
               unsigned shared_bytes, void** params);
const char* emu_last_error(void);
/* e.g. "ppiii", one letter per parameter (p pointer, i int, f float, l long, d double); NULL if unknown. */
const char* emu_kernel_signature(const char* name);
/* Process-wide settings, read at each launch: threads of a block resume in reverse order at each barrier
   (reverse != 0) or forward; worker threads per launch (0 = the number of cores). */
void emu_set_schedule(int reverse);
void emu_set_workers(int workers);
int emu_workers(void);
/* 256-byte aligned, with at least one byte of slack after it: a pointer to its end names no other allocation. */
void* emu_malloc(size_t bytes);
void emu_free(void* p);
void emu_memcpy(void* dst, const void* src, size_t bytes);
void emu_fill32(void* dst, uint32_t value, size_t n);
#ifdef __cplusplus
}
#endif
