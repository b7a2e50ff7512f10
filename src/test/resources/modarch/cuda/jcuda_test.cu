// The kernel of JCudaDriverTest, one parameter of each KernelArgs kind ('p', 'f', 'i', 'l', 'd').
// jcuda_test.ptx beside it is made from it (PTX for compute_80, loaded by the driver's JIT):
//   nvcc -arch=compute_80 -ptx jcuda_test.cu -o jcuda_test.ptx
extern "C" __global__ void axpb(float* y, const float* x, float a, int n, long long offset, double b) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + (float) (b + (double) offset);
}
