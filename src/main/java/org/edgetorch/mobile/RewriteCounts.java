package org.edgetorch.mobile;

/**
 * What the mobile passes changed in the forward graph.
 *
 * @param convolutionsNormalized {@code aten::_convolution} (traced) turned into {@code aten::conv2d}
 * @param dropoutRemoved         dropout nodes of any flavour removed
 * @param batchNormFolded        BatchNorms folded into the preceding convolution/linear by freezing
 * @param batchNormRemaining     BatchNorms left (not after a foldable op); still correct, slower
 * @param conv2dToXnnpack        {@code conv2d} → {@code prepacked::conv2d_clamp_run}
 * @param linearToXnnpack        {@code linear} → {@code prepacked::linear_clamp_run}
 * @param reluFused              ReLUs folded into the clamp bounds (0, +inf)
 * @param relu6Fused             ReLU6 / hardtanh(0, 6) folded into the clamp bounds (0, 6)
 * @param clampFused             other constant clamps / hardtanh folded
 * @param addReluFused           add + ReLU → {@code aten::_add_relu}
 * @param prepackHoisted         {@code *_prepack} calls in forward run at export time instead
 * @param packedConstants        packed-weight objects the graph now holds as constants
 * @param deadNodesRemoved       constants, lists and attribute reads nothing used any more
 */
public record RewriteCounts(
        int convolutionsNormalized,
        int dropoutRemoved,
        int batchNormFolded,
        int batchNormRemaining,
        int conv2dToXnnpack,
        int linearToXnnpack,
        int reluFused,
        int relu6Fused,
        int clampFused,
        int addReluFused,
        int prepackHoisted,
        int packedConstants,
        int deadNodesRemoved) {
}
