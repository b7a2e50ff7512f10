// One Adam step over the whole parameter arena in one launch: the CUDA twin of Backend.adam (CPU reference:
// ScalarBackend.adam with AdamStep). The step number t = step[0] + 1 is read, not written: counter32_increment
// advances it in the next launch, so every thread sees the same t. Bias corrections in double, as PyTorch; the
// moment updates round each product and sum separately, as the reference does.
extern "C" __global__ void adam_step(int n, float* __restrict__ param, const float* __restrict__ grad,
                                     float* __restrict__ m, float* __restrict__ v, const int* __restrict__ step,
                                     double lr, float beta1, float beta2, float eps) {
    const int t = step[0] + 1;
    const double stepSize = lr / (1.0 - pow((double)beta1, (double)t));
    const double biasCorrection2Sqrt = sqrt(1.0 - pow((double)beta2, (double)t));
    const float stepSizeF = (float)stepSize;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += gridDim.x * blockDim.x) {
        float g = grad[i];
        float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(1.0f - beta1, g));
        float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(1.0f - beta2, g), g));
        m[i] = mi;
        v[i] = vi;
        float denom = (float)(sqrt((double)vi) / biasCorrection2Sqrt) + eps;
        param[i] -= __fmul_rn(stepSizeF, mi / denom);
    }
}
