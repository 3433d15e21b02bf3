package org.edgetorch.quant;

import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.quant.QuantTestModels.ConvLinear;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.edgetorch.quant.QuantTestModels.ConvLinear.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One convolution (+ReLU) and one linear layer, statically quantized for every engine, against the
 * same quantization computed here in plain Java from the formulas: min/max observers, affine uint8
 * activations (0..127 with reduce_range), symmetric int8 per-channel weights, integer accumulation,
 * requantization with saturation. Kernels may round a requantized value differently by one step, so
 * the outputs must agree to one output quantization step.
 */
class HandCheckedQuantizationTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void libtorch() {
        TestSupport.libtorch();
    }

    @Test
    void everyEngineMatchesTheFormulas() {
        ConvLinear model = ConvLinear.random(11);
        Path fp32 = dir.resolve("conv_linear.pt");
        model.save(fp32);
        List<FloatTensor> calibration = ConvLinear.inputs(21, 5);
        FloatTensor probe = ConvLinear.inputs(31, 1).get(0);
        for (String engine : Backends.get().quantizedEngines()) {
            QuantEngine e = QuantEngine.resolve(engine, Backends.get());
            Path out = dir.resolve("conv_linear_" + engine + ".pt");
            QuantizationResult r = Quantizer.quantizeStatic(fp32, out, engine, calibration, ObserverKind.MINMAX);
            Expected want = Expected.compute(model, calibration, probe, e.activationQmax(), r.perChannelWeights());
            float[] got;
            try (Model q = org.edgetorch.runtime.Runtimes.load(out)) {
                got = q.forward(probe).data();
            }
            assertEquals(CLASSES, got.length);
            double maxFromFloat = 0;
            for (int k = 0; k < CLASSES; k++) {
                assertEquals(want.out[k], got[k], want.outScale * 1.0001,
                        engine + ": logit " + k + " (one step is " + want.outScale + ")");
                maxFromFloat = Math.max(maxFromFloat, Math.abs(want.fp32[k] - got[k]));
            }
            assertTrue(maxFromFloat > 0, engine + ": the output is quantized, so it differs from FP32");
            assertTrue(maxFromFloat < 0.1 * want.fp32Range, engine + ": close to FP32 (" + maxFromFloat + ")");
        }
    }

    /** The whole computation, independently of the quantizer's classes. */
    static final class Expected {
        float[] fp32 = new float[CLASSES];
        double fp32Range;
        double[] out = new double[CLASSES];
        double outScale;

        static Expected compute(ConvLinear m, List<FloatTensor> calibration, FloatTensor probe, long qmax, boolean perChannel) {
            // calibration: min/max of the input, the conv+ReLU output and the linear output
            double[] in = {Double.MAX_VALUE, -Double.MAX_VALUE}, mid = in.clone(), last = in.clone();
            for (FloatTensor x : calibration) {
                double[] f = convRelu(m, toDouble(x.data()));
                double[] y = linear(m, f);
                range(in, toDouble(x.data()));
                range(mid, f);
                range(last, y);
            }
            double[] qIn = affine(in, qmax), qMid = affine(mid, qmax), qOut = affine(last, qmax);
            double[] convScales = weightScales(m.convW(), OUT_C, perChannel);
            double[] linScales = weightScales(m.linW(), CLASSES, perChannel);
            long[] convQ = quantizeWeights(m.convW(), OUT_C, convScales);
            long[] linQ = quantizeWeights(m.linW(), CLASSES, linScales);

            Expected e = new Expected();
            double[] fx = linear(m, convRelu(m, toDouble(probe.data())));
            double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (int k = 0; k < CLASSES; k++) {
                e.fp32[k] = (float) fx[k];
                lo = Math.min(lo, fx[k]);
                hi = Math.max(hi, fx[k]);
            }
            e.fp32Range = Math.max(hi - lo, 1e-6);

            // quantized inference in integers: input -> conv (+ReLU) -> linear -> dequantize
            long[] xq = new long[IN_C * H * W];
            for (int i = 0; i < xq.length; i++) xq[i] = clamp(Math.rint(probe.data()[i] / qIn[0]) + qIn[1], 0, 255);
            long[] yq = new long[FEATURES];
            for (int o = 0; o < OUT_C; o++) {
                for (int i = 0; i < H; i++) {
                    for (int j = 0; j < W; j++) {
                        long acc = 0;
                        for (int c = 0; c < IN_C; c++) {
                            for (int ki = 0; ki < K; ki++) {
                                for (int kj = 0; kj < K; kj++) {
                                    int ii = i + ki - 1, jj = j + kj - 1;
                                    if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;   // padding is the zero point
                                    acc += (xq[(c * H + ii) * W + jj] - (long) qIn[1]) * convQ[((o * IN_C + c) * K + ki) * K + kj];
                                }
                            }
                        }
                        double real = acc * qIn[0] * convScales[o] + m.convB()[o];
                        yq[(o * H + i) * W + j] = clamp(Math.rint(real / qMid[0]) + qMid[1], (long) qMid[1], 255); // ReLU
                    }
                }
            }
            for (int k = 0; k < CLASSES; k++) {
                long acc = 0;
                for (int f = 0; f < FEATURES; f++) acc += (yq[f] - (long) qMid[1]) * linQ[k * FEATURES + f];
                double real = acc * qMid[0] * linScales[k] + m.linB()[k];
                long q = clamp(Math.rint(real / qOut[0]) + qOut[1], 0, 255);
                e.out[k] = (q - qOut[1]) * qOut[0];
            }
            e.outScale = qOut[0];
            return e;
        }

        static double[] convRelu(ConvLinear m, double[] x) {
            double[] y = new double[FEATURES];
            for (int o = 0; o < OUT_C; o++) {
                for (int i = 0; i < H; i++) {
                    for (int j = 0; j < W; j++) {
                        double s = m.convB()[o];
                        for (int c = 0; c < IN_C; c++) {
                            for (int ki = 0; ki < K; ki++) {
                                for (int kj = 0; kj < K; kj++) {
                                    int ii = i + ki - 1, jj = j + kj - 1;
                                    if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
                                    s += x[(c * H + ii) * W + jj] * m.convW()[((o * IN_C + c) * K + ki) * K + kj];
                                }
                            }
                        }
                        y[(o * H + i) * W + j] = Math.max(0, s);
                    }
                }
            }
            return y;
        }

        static double[] linear(ConvLinear m, double[] f) {
            double[] y = new double[CLASSES];
            for (int k = 0; k < CLASSES; k++) {
                double s = m.linB()[k];
                for (int i = 0; i < FEATURES; i++) s += f[i] * m.linW()[k * FEATURES + i];
                y[k] = s;
            }
            return y;
        }

        /** PyTorch's affine qparams: range widened to contain 0, scale = range / qmax, zp = -round(min / scale). */
        static double[] affine(double[] r, long qmax) {
            double lo = Math.min(r[0], 0), hi = Math.max(r[1], 0);
            double scale = Math.max((hi - lo) / qmax, Math.ulp(1.0f));
            double zp = Math.max(0, Math.min(qmax, -Math.rint(lo / scale)));
            return new double[]{scale, zp};
        }

        /** Symmetric int8: scale = max|w| / 127.5 per output row (or for the whole tensor). */
        static double[] weightScales(float[] w, int rows, boolean perChannel) {
            int per = w.length / rows;
            double[] s = new double[rows];
            double all = 0;
            for (int o = 0; o < rows; o++) {
                double m = 0;
                for (int i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
                s[o] = m / 127.5;
                all = Math.max(all, m);
            }
            if (!perChannel) java.util.Arrays.fill(s, all / 127.5);
            return s;
        }

        static long[] quantizeWeights(float[] w, int rows, double[] scales) {
            int per = w.length / rows;
            long[] q = new long[w.length];
            for (int i = 0; i < w.length; i++) q[i] = clamp(Math.rint(w[i] / scales[i / per]), -128, 127);
            return q;
        }

        static long clamp(double v, long lo, long hi) {
            return (long) Math.max(lo, Math.min(hi, v));
        }

        static void range(double[] r, double[] v) {
            for (double x : v) {
                r[0] = Math.min(r[0], x);
                r[1] = Math.max(r[1], x);
            }
        }

        static double[] toDouble(float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
    }
}
