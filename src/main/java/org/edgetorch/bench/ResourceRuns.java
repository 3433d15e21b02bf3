package org.edgetorch.bench;

import org.edgetorch.util.ChildJvm;
import org.edgetorch.util.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures each target's memory, CPU and energy in a child JVM of its own, one after the other, so that the figures
 * of one do not mix with another's (one process-wide peak would cover them all). The child is this program again
 * ({@code org.edgetorch.cli.Main resource-run}) on the same class path, so it works from the shaded jar and under
 * the test runner alike; it gets the input as a raw tensor file and prints one JSON document.
 */
public final class ResourceRuns {
    /** The hidden subcommand the child runs. */
    public static final String COMMAND = "resource-run";

    private ResourceRuns() {
    }

    /**
     * What the child needs to rebuild one target.
     *
     * @param spec a model file, or {@code eager:ARCH}
     */
    public record Spec(String name, String spec) {
    }

    /** Every spec in turn; a child that fails gives a {@link ResourceUsage#failed} with its last error line. */
    public static List<ResourceUsage> measure(List<Spec> specs, BenchTargets.Context context, BenchOptions options, String backend) {
        List<ResourceUsage> out = new ArrayList<>();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("edgetorch-resources");
            Path input = dir.resolve("input.f32");
            writeTensor(input, options.input().tensor());
            for (int i = 0; i < specs.size(); i++) {
                options.listener().onResourceRunStart(specs.get(i).name(), i + 1, specs.size());
                out.add(runChild(specs.get(i), context, options, backend, input, dir));
            }
        } catch (IOException e) {
            while (out.size() < specs.size()) out.add(ResourceUsage.failed("cannot start a child process: " + e.getMessage()));
        } finally {
            deleteAll(dir);
        }
        return out;
    }

    private static ResourceUsage runChild(Spec s, BenchTargets.Context context, BenchOptions options, String backend, Path input,
                                          Path dir) throws IOException {
        ChildJvm.Exit exit;
        try {
            exit = ChildJvm.run(dir, arguments(s, context, options, backend, input));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ResourceUsage.failed("interrupted");
        }
        String printed = String.join("\n", exit.stdout()).trim();
        if (exit.code() == 0 && printed.startsWith("{")) {
            try {
                return ResourceUsage.fromJson(Json.parse(printed).getAsJsonObject());
            } catch (RuntimeException e) {
                return ResourceUsage.failed("child printed unreadable JSON: " + e.getMessage());
            }
        }
        return ResourceUsage.failed("child process exited with " + exit.code() + ": " + exit.lastErrorLine());
    }

    /** The child's arguments ({@link ChildJvm} adds the JVM's): {@code --backend B resource-run ...}. */
    static List<String> arguments(Spec s, BenchTargets.Context context, BenchOptions o, String backend, Path input) {
        List<String> cmd = new ArrayList<>();
        if (backend != null) {
            cmd.add("--backend");
            cmd.add(backend);
        }
        cmd.add(COMMAND);
        cmd.addAll(List.of("--model", s.spec(), "--name", s.name(), "--arch", context.architecture(), "--seed", Long.toString(context.seed()),
                "--input-tensor", input.toString(), "--threads", Integer.toString(Math.max(1, o.threads())),
                "--warmup", Integer.toString(o.warmupRuns()), "--warmup-time", Double.toString(o.warmupMinSeconds()),
                "--runs", Integer.toString(o.runs()), "--min-time", Double.toString(o.minSeconds())));
        if (context.weights() != null) {
            cmd.add("--weights");
            cmd.add(context.weights().toAbsolutePath().toString());
        }
        return cmd;
    }

    /** Shape then data: int32 rank, int64 dims, float32 values, little-endian. */
    public static void writeTensor(Path file, org.edgetorch.tensor.FloatTensor t) throws IOException {
        long[] shape = t.shape();
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * shape.length + 4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(shape.length);
        for (long d : shape) b.putLong(d);
        b.asFloatBuffer().put(t.data());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(b.rewind());
        }
    }

    public static org.edgetorch.tensor.FloatTensor readTensor(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int rank = b.getInt();
        if (rank < 1 || rank > 8) throw new IOException(file + ": not a tensor file");
        long[] shape = new long[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = b.getLong();
            n *= shape[i];
        }
        if (n * 4 != b.remaining()) throw new IOException(file + ": " + b.remaining() + " bytes of data for shape " + java.util.Arrays.toString(shape));
        float[] data = new float[(int) n];
        b.asFloatBuffer().get(data);
        return new org.edgetorch.tensor.FloatTensor(shape, data);
    }

    private static void deleteAll(Path dir) {
        ChildJvm.deleteAll(dir);
    }
}
