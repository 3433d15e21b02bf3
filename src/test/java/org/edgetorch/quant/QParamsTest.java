package org.edgetorch.quant;

import org.edgetorch.graph.QParams;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quantization parameters against values PyTorch 1.13's MinMaxObserver computes for the same ranges. */
class QParamsTest {

    @Test
    void affineMatchesPyTorchMinMaxObserver() {
        // torch.ao.quantization.observer.MinMaxObserver(dtype=torch.quint8[, reduce_range=True])
        check(QParams.affine(-2.118, 2.64, 0, 255), 0.01865882427, 114);
        check(QParams.affine(-2.118, 2.64, 0, 127), 0.03746457025, 57);
        check(QParams.affine(0.0, 6.0, 0, 255), 0.02352941222, 0);
        check(QParams.affine(0.3, 5.0, 0, 255), 0.01960784383, 0);   // range widened to contain 0
        check(QParams.affine(-1.0, -0.5, 0, 255), 0.003921568859, 255);
        check(QParams.affine(0.0, 0.0, 0, 255), 1.192092896e-07, 0); // degenerate: eps scale
    }

    @Test
    void symmetricMatchesPyTorchPerChannelObserver() {
        // PerChannelMinMaxObserver(qint8, per_channel_symmetric) on rows [0.5,-1.27,0.1] and [0.02,0.01,-0.03]
        QParams a = QParams.symmetric(1.27, -128, 127);
        QParams b = QParams.symmetric(0.03, -128, 127);
        assertEquals(0.009960784576833248, a.scale(), 1e-6 * a.scale());
        assertEquals(0.0002352941082790494, b.scale(), 1e-6 * b.scale());
        assertEquals(0, a.zeroPoint());
        // int_repr PyTorch gives: [[50, -128, 10], [85, 42, -128]] (42 is an exact tie, 42.5, left out: float32 vs double decides it)
        assertEquals(50, a.quantize(0.5));
        assertEquals(-128, a.quantize(-1.27));
        assertEquals(10, a.quantize(0.1));
        assertEquals(85, b.quantize(0.02));
        assertEquals(-128, b.quantize(-0.03));
    }

    @Test
    void quantizeSaturatesAndDequantizeInverts() {
        QParams q = QParams.affine(-1, 3, 0, 255);
        assertEquals(255, q.quantize(100));
        assertEquals(0, q.quantize(-100));
        assertEquals(0.0, q.dequantize(q.zeroPoint()));
        assertTrue(Math.abs(q.dequantize(q.quantize(1.234)) - 1.234) <= q.scale() / 2 + 1e-12);
    }

    private static void check(QParams q, double scale, long zp) {
        assertEquals(scale, q.scale(), scale * 1e-6, "scale");
        assertEquals(zp, q.zeroPoint(), "zero point");
    }
}
