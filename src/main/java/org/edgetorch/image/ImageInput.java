package org.edgetorch.image;

import org.edgetorch.tensor.FloatTensor;

/**
 * One preprocessed image: its name (the path as given, or the bundled file name) and its tensor,
 * {@code [1, 3, 224, 224]} float32 NCHW, RGB, normalized with ImageNet mean/std.
 */
public record ImageInput(String name, FloatTensor tensor) {
}
