package modarch.train;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.ops.CountCorrect;
import modarch.model.Model;
import modarch.task.Batch;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * Mean loss (and accuracy) of every replica over fresh batches, as the reference's eval_step: per-batch means
 * averaged. Sums stay on the backend; one download per evaluation.
 */
public final class Evaluator implements AutoCloseable {
    private final Backend backend;
    private final Model model;
    private final Task[] tasks;
    private final long[] seeds;
    private final Loss loss;
    private final Batch batch;
    private final int examples;
    private final FloatBuf gradScratch; // gradScratch is (rep, rows, labelWidth): the loss's unused gradient
    private final FloatBuf lossSum;     // lossSum is (rep)
    private final IntBuf correct;       // correct is (rep)

    /** tasks and seeds hold one entry per replica; batches of examples examples of up to maxLength rows. */
    public Evaluator(Backend backend, Model model, Task[] tasks, long[] seeds, Loss loss, int examples, int maxLength) {
        this.backend = backend;
        this.model = model;
        this.tasks = tasks;
        this.seeds = seeds;
        this.loss = loss;
        this.examples = examples;
        int rep = model.rep();
        int maxRows = Math.multiplyExact(examples, maxLength);
        this.batch = new Batch(backend, rep, maxRows, tasks[0].inputWidth(), tasks[0].labelWidth());
        this.gradScratch = backend.allocFloats(Math.multiplyExact(rep * maxRows, tasks[0].labelWidth()));
        this.lossSum = backend.allocFloats(rep);
        this.correct = backend.allocInts(rep);
    }

    /**
     * Runs batches forward passes on batches firstBatch.. of stream with examples of length rows; fills
     * lossOut (rep) and, for classification, accuracyOut (rep) with percentages (NaN otherwise).
     */
    public void evaluate(DataStream stream, long firstBatch, int batches, int length, boolean ood,
                         double[] lossOut, double[] accuracyOut) {
        int rep = model.rep();
        backend.upload(new int[rep], 0, correct, 0, rep);
        for (int i = 0; i < batches; i++) {
            batch.fill(tasks, seeds, stream, firstBatch + i, examples, length, ood, null);
            model.forward(batch);
            int n = batch.rows() * tasks[0].labelWidth();
            loss.apply(backend, rep, n, model.predictions(), batch.labels(), gradScratch, lossSum, 1f / batches, i > 0);
            if (loss == Loss.BCE_WITH_LOGITS) {
                backend.run(new CountCorrect(Mat.of("logit", model.predictions(), 0, rep, n),
                        Mat.of("target", batch.labels(), 0, rep, n), IntMat.vector("correct", correct, 0, rep)));
            }
        }
        float[] lossHost = new float[rep];
        int[] correctHost = new int[rep];
        backend.download(lossSum, 0, lossHost, 0, rep);
        backend.download(correct, 0, correctHost, 0, rep);
        long total = (long) batches * examples * length * tasks[0].labelWidth();
        for (int r = 0; r < rep; r++) {
            lossOut[r] = lossHost[r];
            accuracyOut[r] = loss == Loss.L1 ? Double.NaN : 100.0 * correctHost[r] / total;
        }
    }

    @Override
    public void close() {
        batch.close();
        gradScratch.close();
        lossSum.close();
        correct.close();
    }
}
