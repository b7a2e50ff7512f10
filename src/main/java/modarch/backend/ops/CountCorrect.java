package modarch.backend.ops;

import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * For each row (item) of logit (batch, n): {@code correct[i] +=} the number of logits whose sign
 * ({@code logit >= 0}) matches the 0/1 target ({@code target >= 0.5}); logit and target contiguous, correct (batch).
 * On the GPU: loss.cu's count_correct, one block per item.
 */
public record CountCorrect(Mat logit, Mat target, IntMat correct) implements Op {
    public CountCorrect {
        Shapes.contiguous("countCorrect", logit);
        Shapes.same("countCorrect", logit, target);
        Shapes.contiguous("countCorrect", target);
        Shapes.vector("countCorrect", correct, logit.rows());
    }

    @Override
    public void reference(Parallel pool) {
        float[] logit = Host.floats(this.logit), target = Host.floats(this.target);
        int[] correct = Host.ints(this.correct);
        int batch = this.logit.rows(), n = this.logit.cols();
        int logitOff = this.logit.off(), targetOff = this.target.off(), correctOff = this.correct.off();
        for (int item = 0; item < batch; item++) {
            int count = 0;
            for (int i = item * n; i < (item + 1) * n; i++) {
                if ((logit[logitOff + i] >= 0f) == (target[targetOff + i] >= 0.5f)) count++;
            }
            correct[correctOff + item] += count;
        }
    }

    @Override
    public void launch(Gpu gpu) {
        if (logit.rows() <= 0) return;
        gpu.launch("count_correct", logit.rows(), 1, 1, KernelGeometry.LOSS_THREADS, 0, KernelArgs.of()
                .i(logit.cols()).ptr(gpu.at(logit)).ptr(gpu.at(target)).ptr(gpu.at(correct)));
    }
}
