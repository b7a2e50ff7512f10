package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * What the three task families' batch ops share: one batch of rep replicas, replica r drawn from Philox key
 * (seeds[r], streamId) and the batch index read from {@code batchIndex[0..1]} (low, high word) when run, with the
 * replica's coefficients and the rule probabilities as {@link modarch.backend.DoubleBits} words (null for uniform
 * rules), into inputs (rep * rows, inputWidth), rules (rep * rows) and labels (rep * rows, labelWidth), rows =
 * examples * length. Built once per draw target ({@link #draws}) and run for every batch.
 */
abstract class TaskBatch implements Op {
    final int rep;
    final int examples;
    final int length;
    final int ruleCount;
    final boolean classification;
    final int streamId;
    final boolean ood;
    final IntMat seeds;         // seeds is (rep)
    final IntMat batchIndex;    // batchIndex is (2)
    final IntMat coefficients;  // coefficients is (rep, wordsPerReplica)
    final IntMat probabilities; // probabilities is (2 R), or null for uniform rules
    final Mat inputs;           // inputs is (rep * rows, inputWidth)
    final IntMat rules;         // rules is (rep * rows)
    final Mat labels;           // labels is (rep * rows, labelWidth)

    TaskBatch(int rep, int examples, int length, int ruleCount, boolean classification, IntBuf seeds, int streamId,
              IntBuf batchIndex, boolean ood, IntBuf coefficients, int wordsPerReplica, IntBuf probabilities,
              FloatBuf inputs, int inputWidth, IntBuf rules, FloatBuf labels, int labelWidth) {
        this.rep = rep;
        this.examples = examples;
        this.length = length;
        this.ruleCount = ruleCount;
        this.classification = classification;
        this.streamId = streamId;
        this.ood = ood;
        int rows = Math.multiplyExact(Math.multiplyExact(rep, examples), length);
        this.seeds = IntMat.vector("seeds", seeds, 0, rep);
        this.batchIndex = IntMat.vector("batchIndex", batchIndex, 0, 2);
        this.coefficients = IntMat.of("coefficients", coefficients, 0, rep, wordsPerReplica);
        this.probabilities = probabilities == null ? null : IntMat.vector("probabilities", probabilities, 0,
                2 * ruleCount);
        this.inputs = Mat.of("inputs", inputs, 0, rows, inputWidth);
        this.rules = IntMat.vector("rules", rules, 0, rows);
        this.labels = Mat.of("labels", labels, 0, rows, labelWidth);
    }

    /** Whether this op draws into these buffers with these settings (else a sampler builds a new one). */
    final boolean draws(int streamId, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                        FloatBuf inputs, IntBuf rules, FloatBuf labels) {
        return this.streamId == streamId && this.batchIndex.buf() == batchIndex && this.examples == examples
                && this.length == length && this.ood == ood
                && (this.probabilities == null ? probabilities == null : this.probabilities.buf() == probabilities)
                && this.inputs.buf() == inputs && this.rules.buf() == rules && this.labels.buf() == labels;
    }

    /** The batch number the next run draws. */
    final long batchNumber() {
        return Host.longAt(Host.ints(batchIndex), 0);
    }

    /** The kernels' arguments from seeds on, after the family's shape (head). */
    final KernelArgs tail(Gpu gpu, KernelArgs head) {
        return head.ptr(gpu.at(seeds)).i(streamId).ptr(gpu.at(batchIndex)).d(ood ? 2.0 : 1.0)
                .ptr(gpu.at(coefficients)).ptr(gpu.at(probabilities)).ptr(gpu.at(inputs)).ptr(gpu.at(rules))
                .ptr(gpu.at(labels));
    }
}
