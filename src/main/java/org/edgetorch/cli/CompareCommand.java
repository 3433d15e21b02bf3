package org.edgetorch.cli;

import org.edgetorch.crosscheck.Bounds;
import org.edgetorch.crosscheck.CompareReport;
import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.crosscheck.IoFile;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code edgetorch compare X86.json ARM.json}: two machines' {@code --save-io} files, variant by variant. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare two machines' --save-io files (e.g. x86 and a Raspberry Pi) per model variant:",
                "max abs logit difference, cosine, top-1/top-5 agreement on identical input tensors (the model difference),",
                "the same on each machine's own preprocessing (end to end), the preprocessing difference, latency ratios.",
                "Exits 1 when a variant is beyond the bounds (the options below), unless --no-check."})
public final class CompareCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Parameters(index = "0", paramLabel = "REFERENCE.json", description = "The reference machine's file (usually x86).")
    Path reference;

    @Parameters(index = "1", paramLabel = "OTHER.json", description = "The other machine's file (usually the board's, run with --replay REFERENCE.json).")
    Path other;

    @Option(names = "--max-abs-diff", paramLabel = "X", description = "Float variants: largest allowed logit difference (default: ${DEFAULT-VALUE}).")
    double maxAbsDiff = Bounds.DEFAULT.maxAbsDiff();

    @Option(names = "--min-cosine", paramLabel = "C", description = "Float variants: smallest allowed cosine similarity (default: ${DEFAULT-VALUE}).")
    double minCosine = Bounds.DEFAULT.minCosine();

    @Option(names = "--min-top1", paramLabel = "F", description = "Float variants: smallest allowed top-1 agreement (default: ${DEFAULT-VALUE}).")
    double minTop1 = Bounds.DEFAULT.minTop1();

    @Option(names = "--int8-min-cosine", paramLabel = "C", description = "Quantized variants (name has int8/quant): smallest cosine (default: ${DEFAULT-VALUE}).")
    double int8MinCosine = Bounds.DEFAULT.int8MinCosine();

    @Option(names = "--int8-min-top1", paramLabel = "F", description = "Quantized variants: smallest top-1 agreement (default: ${DEFAULT-VALUE}).")
    double int8MinTop1 = Bounds.DEFAULT.int8MinTop1();

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the comparison as Markdown, in the study report's style.")
    java.nio.file.Path markdown;

    @Option(names = "--no-check", description = "Report only; exit 0 whatever the differences.")
    boolean noCheck;

    @Mixin
    OutputOptions output;

    @Override
    public void run() {
        Bounds bounds = new Bounds(maxAbsDiff, minCosine, minTop1, int8MinCosine, int8MinTop1);
        IoFile ref = IoFile.read(reference);
        IoFile oth = IoFile.read(other);
        CrossComparison.Result r = CrossComparison.compare(ref, oth, bounds);
        if (output.json) {
            out().println(Json.write(CompareReport.json(r, reference.toString(), other.toString(), bounds)));
        } else {
            out().print(CompareReport.table(r, reference.toString(), other.toString()));
        }
        out().flush();
        if (markdown != null) {
            org.edgetorch.util.AtomicFiles.writeString(markdown,
                    org.edgetorch.study.CompareMarkdown.render(r, reference.toString(), other.toString()));
        }
        if (!noCheck && !r.withinBounds()) {
            throw new UserError("outputs disagree beyond the bounds: " + String.join("; ", r.problems()));
        }
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
