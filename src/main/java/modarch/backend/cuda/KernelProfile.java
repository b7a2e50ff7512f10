package modarch.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * GPU time per kernel of the launches made while it is on: a CUDA event before and after each launch on the
 * stream, read at {@link #totals}. For finding where a step's time goes (bench GpuStepTimer), not for training:
 * the events serialise nothing but cost a few microseconds of host time per launch.
 */
final class KernelProfile {
    private record Span(String kernel, CUevent start, CUevent stop) {
    }

    private final CUstream stream;
    private final List<Span> spans = new ArrayList<>();

    KernelProfile(CUstream stream) {
        this.stream = stream;
    }

    /** Runs launch between two events recorded for kernel. */
    void around(String kernel, Runnable launch) {
        CUevent start = event(), stop = event();
        cuEventRecord(start, stream);
        launch.run();
        cuEventRecord(stop, stream);
        spans.add(new Span(kernel, start, stop));
    }

    private static CUevent event() {
        CUevent event = new CUevent();
        cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT);
        return event;
    }

    /** Milliseconds and launch count per kernel, in order of first launch; frees the events. */
    Map<String, double[]> totals() {
        Map<String, double[]> out = new LinkedHashMap<>();
        float[] ms = new float[1];
        for (Span span : spans) {
            cuEventSynchronize(span.stop());
            cuEventElapsedTime(ms, span.start(), span.stop());
            double[] total = out.computeIfAbsent(span.kernel(), k -> new double[2]);
            total[0] += ms[0];
            total[1]++;
            cuEventDestroy(span.start());
            cuEventDestroy(span.stop());
        }
        spans.clear();
        return out;
    }
}
