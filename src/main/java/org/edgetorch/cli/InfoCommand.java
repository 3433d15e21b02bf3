package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Java, OS/arch, LibTorch version, backend, quantized engines, XNNPACK, threads, ONNX Runtime version and providers, TensorFlow Lite version and XNNPACK.")
public final class InfoCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Mixin
    OutputOptions output;

    @Option(names = "--threads", paramLabel = "N", converter = OptionConverters.ThreadCount.class, description = "Set intra-op threads before reporting them.")
    Integer threads;

    @Override
    public void run() {
        Backend b = Backends.get();
        if (threads != null) b.setThreads(threads);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("edgetorch", new VersionProvider().getVersion()[0]);
        info.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        info.put("platform", Backends.platform());
        info.put("backend", b.name());
        info.put("libtorch", b.libtorchVersion());
        info.put("quantized_engines", b.quantizedEngines());
        info.put("xnnpack", b.xnnpackAvailable());
        info.putAll(b.details());
        info.put("threads", b.threads());
        org.edgetorch.runtime.Runtime ort = Runtimes.get(Runtimes.ONNXRUNTIME);
        info.put("onnxruntime", ort.version());
        info.put("onnxruntime_providers", ort.details().get("providers"));
        org.edgetorch.runtime.Runtime tflite = Runtimes.get(Runtimes.TFLITE);
        info.put("tflite", tflite.version());
        info.put("tflite_xnnpack", tflite.hasCapability(org.edgetorch.runtime.Capability.XNNPACK));
        info.put("cpus", Runtime.getRuntime().availableProcessors());
        if (output.json) {
            out().println(Json.write(info));
        } else {
            info.forEach((k, v) -> out().printf("%-22s %s%n", k, v instanceof java.util.List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList()) : v));
        }
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
