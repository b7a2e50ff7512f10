// Column sums of one stored (rows, cols) matrix added into a row of sums (bias gradients): the arithmetic shared by
// column_sum_accumulate (elementwise.cu) and the GEMMs' operand sums (gemm.h), so a bias gradient has the same bits
// whichever launch sums it.
#pragma once

#define COLUMN_SUM_GROUPS 8 // row groups: group r sums rows r, r + 8, ... in order
#define COLUMN_SUM_WIDTH 32 // columns a block sums at once

// sum[j] += sum_i x[i][j] for the columns j of [first, first + span) below cols, over rows i < rows, by a block of
// THREADS threads: per 32 columns, row group r of column j sums rows r, r + 8, ... in order, then one thread per
// column adds the 8 partial sums in order to sum[j] (deterministic: no atomics). scratch: 8 x 33 floats of shared
// memory; the block reaches this together, and may have read scratch before (the first barrier covers that).
template <int THREADS>
__device__ __forceinline__ void column_sums_span(const float* __restrict__ x, int ldx, int rows, int cols, int first,
                                                 int span, float* __restrict__ sum, float* scratch) {
    const int end = first + span < cols ? first + span : cols;
    for (int c0 = first; c0 < end; c0 += COLUMN_SUM_WIDTH) {
        __syncthreads();
        for (int e = threadIdx.x; e < COLUMN_SUM_GROUPS * COLUMN_SUM_WIDTH; e += THREADS) {
            const int column = e % COLUMN_SUM_WIDTH, rowGroup = e / COLUMN_SUM_WIDTH, j = c0 + column;
            float s = 0.0f;
            if (j < cols) {
                for (int i = rowGroup; i < rows; i += COLUMN_SUM_GROUPS) s += x[i * ldx + j];
            }
            scratch[rowGroup * (COLUMN_SUM_WIDTH + 1) + column] = s;
        }
        __syncthreads();
        if (threadIdx.x < COLUMN_SUM_WIDTH && c0 + (int)threadIdx.x < cols) {
            float total = 0.0f;
            for (int r = 0; r < COLUMN_SUM_GROUPS; r++) total += scratch[r * (COLUMN_SUM_WIDTH + 1) + threadIdx.x];
            sum[c0 + threadIdx.x] += total;
        }
    }
    __syncthreads(); // scratch is free again
}
