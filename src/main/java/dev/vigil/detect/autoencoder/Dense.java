package dev.vigil.detect.autoencoder;

/**
 * One fully connected layer: {@code y = act(W x + b)} with W stored row-major as
 * out x in float32 (the layout of DJL's and Keras' Dense weights, transposed for Keras).
 * Immutable once built.
 */
public record Dense(int in, int out, float[] weight, float[] bias, Activation activation) {
    public enum Activation { RELU, LINEAR }

    public Dense {
        if (weight.length != (long) in * out) throw new IllegalArgumentException("weight of " + weight.length + " values, need " + in * out);
        if (bias.length != out) throw new IllegalArgumentException("bias of " + bias.length + " values, need " + out);
    }

    void forward(float[] x, float[] y) {
        final int n = in;
        for (int o = 0; o < out; o++) {
            int base = o * n;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < n; i += 4) {
                s0 += weight[base + i] * x[i];
                s1 += weight[base + i + 1] * x[i + 1];
                s2 += weight[base + i + 2] * x[i + 2];
                s3 += weight[base + i + 3] * x[i + 3];
            }
            for (; i < n; i++) s0 += weight[base + i] * x[i];
            float v = (s0 + s1) + (s2 + s3) + bias[o];
            y[o] = activation == Activation.RELU && v < 0 ? 0f : v;
        }
    }
}
