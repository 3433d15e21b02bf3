package org.edgetorch.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * torchvision's initialization schemes, drawn from a Java random generator so that a seed gives the
 * same weights on every platform and LibTorch build.
 */
final class Init {
    private Init() {
    }

    /** kaiming_normal_(mode="fan_out", nonlinearity="relu"): std = sqrt(2 / (out * kh * kw)). */
    static float[] kaimingNormalFanOut(TensorSpec s, RandomGenerator rng) {
        long receptive = 1;
        for (int i = 2; i < s.shape().length; i++) receptive *= s.shape()[i];
        double std = Math.sqrt(2.0 / (s.shape()[0] * receptive));
        return normal(s, 0, std, rng);
    }

    static float[] normal(TensorSpec s, double mean, double std, RandomGenerator rng) {
        float[] v = new float[(int) s.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (mean + std * rng.nextGaussian());
        return v;
    }

    /** nn.Linear's default, kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias likewise. */
    static float[] uniform(TensorSpec s, double bound, RandomGenerator rng) {
        float[] v = new float[(int) s.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return v;
    }

    static float[] constant(TensorSpec s, float c) {
        float[] v = new float[(int) s.numel()];
        Arrays.fill(v, c);
        return v;
    }

    /** BatchNorm: weight 1, bias 0, running mean 0, running var 1, counter 0. */
    static float[] batchNorm(TensorSpec s) {
        return constant(s, s.name().endsWith(".weight") || s.name().endsWith(".running_var") ? 1f : 0f);
    }
}
