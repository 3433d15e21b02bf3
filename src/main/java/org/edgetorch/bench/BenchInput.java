package org.edgetorch.bench;

import org.edgetorch.tensor.FloatTensor;

/**
 * The tensor every target runs on.
 *
 * @param kind        {@code dummy} or {@code image}
 * @param description how it was made, for the report: {@code seed 0} or the image path
 */
public record BenchInput(String kind, String description, FloatTensor tensor) {
}
