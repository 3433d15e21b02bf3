package org.edgetorch.cli;

import org.edgetorch.jit.TorchScriptExport;
import org.edgetorch.nn.TorchvisionModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Trace the Java model into a TorchScript file that LibTorch and PyTorch load.")
public final class ExportCommand implements Runnable {

    @Option(names = "--out", paramLabel = "FILE", description = "Output .pt (default: models/<arch>_fp32.pt).")
    Path out;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    RuntimeOptions runtime;

    @Override
    public void run() {
        runtime.backend();
        Path target = out != null ? out : Path.of("models", modelOptions.arch + "_fp32.pt");
        org.edgetorch.util.AtomicFiles.requireReplaceable(target); // before minutes of work, not after
        TorchvisionModel model = modelOptions.create();
        TorchScriptExport.Result r = TorchScriptExport.export(model, target);
        System.out.printf("wrote %s: %s, %d traced ops, %,d parameters, %.2f MB; traced == eager on the example (max abs diff %.2g)%n",
                target, model.architecture().name(), r.recordedOps(), model.architecture().parameterCount(),
                r.bytes() / 1e6, r.exampleMaxAbsDiff());
    }
}
