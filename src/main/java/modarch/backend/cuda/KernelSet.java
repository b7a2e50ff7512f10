package modarch.backend.cuda;

/** The handles of every kernel {@link CudaBackend} launches, looked up once by their {@code extern "C"} names. */
final class KernelSet {
    final CudaDriver.Kernel gemmTiled;
    final CudaDriver.Kernel gemmSmall;
    final CudaDriver.Kernel fill;
    final CudaDriver.Kernel reluBackward;
    final CudaDriver.Kernel columnSum;
    final CudaDriver.Kernel copyBlocks;
    final CudaDriver.Kernel scaleBlocks;
    final CudaDriver.Kernel blockDot;
    final CudaDriver.Kernel oneHot;
    final CudaDriver.Kernel counter32;
    final CudaDriver.Kernel counter64;
    final CudaDriver.Kernel softmax;
    final CudaDriver.Kernel softmaxBackward;
    final CudaDriver.Kernel l1Loss;
    final CudaDriver.Kernel bceLoss;
    final CudaDriver.Kernel countCorrect;
    final CudaDriver.Kernel adam;
    final CudaDriver.Kernel mlpTaskBatch;

    KernelSet(CudaDriver driver) {
        gemmTiled = driver.kernel("gemm_tiled");
        gemmSmall = driver.kernel("gemm_small");
        fill = driver.kernel("fill_f32");
        reluBackward = driver.kernel("relu_backward");
        columnSum = driver.kernel("column_sum_accumulate");
        copyBlocks = driver.kernel("copy_blocks");
        scaleBlocks = driver.kernel("scale_blocks");
        blockDot = driver.kernel("block_dot_accumulate");
        oneHot = driver.kernel("one_hot");
        counter32 = driver.kernel("counter32_increment");
        counter64 = driver.kernel("counter64_increment");
        softmax = driver.kernel("softmax_rows");
        softmaxBackward = driver.kernel("softmax_rows_backward");
        l1Loss = driver.kernel("l1_loss");
        bceLoss = driver.kernel("bce_with_logits_loss");
        countCorrect = driver.kernel("count_correct");
        adam = driver.kernel("adam_step");
        mlpTaskBatch = driver.kernel("mlp_task_batch");
    }
}
