package org.edgetorch.mobile;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code optimize} did and measured, for the CLI and for the study's report.
 *
 * @param input                   the TorchScript file read
 * @param output                  the lite-interpreter file written
 * @param inputBytes              size of the input
 * @param outputBytes             size of the output
 * @param precision               {@code fp32} or {@code int8} (the graph has quantized ops)
 * @param quantizedEngine         engine quantized weights were packed for; null for FP32 models
 * @param bytecodeVersion         lite-interpreter bytecode version written (read back from the file)
 * @param producedBytecodeVersion what this LibTorch says it produces ({@code kProducedBytecodeVersion})
 * @param fileFormatVersion       the archive's file-format version record
 * @param debugInfo               whether mobile debug records were written
 * @param rewrites                what the passes changed
 * @param opsBefore               forward's operators after freezing, before the mobile passes
 * @param opsAfter                forward's operators as written
 * @param packedObjects           packed-weight objects held as constants, by class
 * @param archive                 the written archive's layout (where the bytes go)
 * @param verification            outputs of output vs input; null when verification was off
 * @param timings                 load/latency of input vs output; null when not measured
 * @param notes                   what was left alone and why
 */
public record MobileExportResult(
        String input,
        String output,
        long inputBytes,
        long outputBytes,
        String precision,
        String quantizedEngine,
        Integer bytecodeVersion,
        long producedBytecodeVersion,
        int fileFormatVersion,
        boolean debugInfo,
        RewriteCounts rewrites,
        Map<String, Integer> opsBefore,
        Map<String, Integer> opsAfter,
        Map<String, Integer> packedObjects,
        MobileArchive archive,
        OutputComparison verification,
        MobileTimings timings,
        List<String> notes) {
}
