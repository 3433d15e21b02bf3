package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.crosscheck.IoFile;
import org.edgetorch.crosscheck.IoRecorder;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --save-io FILE} and {@code --replay FILE}: the exact inputs and outputs of a run, for
 * {@code edgetorch compare} across machines (schema {@value IoFile#SCHEMA}).
 */
public final class SaveIoOptions {
    @Option(names = "--save-io", paramLabel = "FILE",
            description = "Save the exact input tensors, the outputs and latency, with machine info, for `edgetorch compare` "
                    + "(JSON, " + IoFile.SCHEMA + "). An existing file of the same machine and LibTorch gains this run's variants.")
    public Path saveIo;

    @Option(names = "--replay", paramLabel = "FILE",
            description = "Also run the model on the input tensors saved in FILE (another machine's --save-io), "
                    + "so `compare` can tell the model's difference from the preprocessing's. Needs --save-io.")
    public Path replay;

    /** A recorder when --save-io was given (with --replay's tensors added), else null. */
    public IoRecorder recorder(String command, java.util.function.Supplier<Backend> backend, String preprocessing) {
        if (replay != null && saveIo == null) throw new org.edgetorch.util.UserError("--replay needs --save-io FILE");
        if (saveIo == null) return null;
        IoRecorder r = IoRecorder.start(command, backend.get(), preprocessing);
        if (replay != null) r.replay(IoFile.read(replay));
        return r;
    }
}
