package org.edgetorch.mobile;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backends;
import org.edgetorch.tensor.Tensors;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A short interleaved measurement of the input against the written archive (load, then forward
 * latency), for the optimize report. Both files are loaded with {@code torch::jit::load} (the presets
 * map no lite-interpreter loader), forward runs without autograd, and the input tensor is made once.
 */
final class MobileTiming {
    private static final int WARMUP = 3;
    /**
     * With one intra-op thread LibTorch, oneDNN and XNNPACK all compute on the calling thread, so its
     * CPU time is the work done, whatever else the (shared) machine runs; wall time is reported too.
     */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private MobileTiming() {
    }

    static MobileTimings measure(Path pt, Path ptl, MobileOptions options) {
        int loads = Math.max(1, options.loadRuns());
        double[] loadA = new double[loads], loadB = new double[loads];
        for (int i = 0; i < loads; i++) {
            loadA[i] = timeLoad(pt);
            loadB[i] = timeLoad(ptl);
        }
        int runs = options.latencyRuns();
        double[] runA = new double[runs], runB = new double[runs], cpuA = new double[runs], cpuB = new double[runs];
        if (runs > 0) {
            try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                JitModule a = torch.load(pt.toString());
                JitModule b = torch.load(ptl.toString());
                a.eval();
                b.eval();
                Tensor x = Tensors.toTorch(MobileOptimizer.inputs(options.withVerify(true, 1, options.tolerance())).get(0));
                IValueVector args = new IValueVector(new IValue(x));
                // each file gets its input in the layout its kernels want, as bench gives it (channels-last for XNNPACK)
                boolean channelsLast = org.edgetorch.runtime.libtorch.LibTorchRuntime.preferredLayout(ptl)
                        == org.edgetorch.runtime.InputLayout.NHWC && x.dim() == 4;
                IValueVector argsB = channelsLast ? new IValueVector(new IValue(x.contiguous(torch.MemoryFormat.ChannelsLast))) : args;
                for (int i = 0; i < WARMUP; i++) {
                    a.forward(args);
                    b.forward(argsB);
                }
                for (int i = 0; i < runs; i++) {
                    double[] ta = timeForward(a, args), tb = timeForward(b, argsB);
                    runA[i] = ta[0];
                    cpuA[i] = ta[1];
                    runB[i] = tb[0];
                    cpuB[i] = tb[1];
                }
            }
        }
        double la = median(runA), lb = median(runB), ca = median(cpuA), cb = median(cpuB);
        return new MobileTimings(median(loadA), median(loadB), la, lb, la / lb, ca, cb, ca / cb,
                options.loadRuns(), runs, Backends.get().threads());
    }

    private static double timeLoad(Path file) {
        try (PointerScope scope = new PointerScope()) {
            long t0 = System.nanoTime();
            JitModule m = torch.load(file.toString());
            m.eval();
            long t1 = System.nanoTime();
            m.close();
            return (t1 - t0) / 1e6;
        }
    }

    /** Wall and calling-thread CPU time of one forward, ms. */
    private static double[] timeForward(JitModule m, IValueVector args) {
        try (PointerScope scope = new PointerScope()) {
            long c0 = CPU.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            IValue out = m.forward(args);
            long t1 = System.nanoTime();
            long c1 = CPU.getCurrentThreadCpuTime();
            if (!out.isTensor()) throw new IllegalStateException("forward did not return a tensor");
            return new double[]{(t1 - t0) / 1e6, (c1 - c0) / 1e6};
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
