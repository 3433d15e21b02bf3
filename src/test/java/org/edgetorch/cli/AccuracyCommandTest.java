package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.edgetorch.CliRun;
import org.edgetorch.TestSupport;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.ImagePreprocessor;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code accuracy} with a model whose answer is known by hand: its logits are the three channel means of the input
 * (classes 0, 1, 2) followed by 997 zeros, so its top-1 class is the channel with the largest mean.
 */
class AccuracyCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<Path> photos;
    static List<Integer> channel = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        TestSupport.libtorch();
        JitModule m = new JitModule(new QualifiedName("channels"));
        m.define("def forward(self, x):\n    m = x.mean([2, 3])\n    return torch.cat([m + 100.0, torch.zeros(x.size(0), 997)], 1)\n");
        model = dir.resolve("channels.pt");
        m.save(model.toString());
        try (Stream<Path> s = Files.list(Path.of("images"))) {
            photos = s.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().limit(6).toList();
        }
        for (Path p : photos) {
            FloatTensor t = ImageInputs.load(p, ImagePreprocessor.standard()).tensor();
            int plane = 224 * 224;
            int best = 0;
            double bestMean = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int i = 0; i < plane; i++) sum += t.data()[c * plane + i];
                if (sum / plane > bestMean) {
                    bestMean = sum / plane;
                    best = c;
                }
            }
            channel.add(best);
        }
    }

    @Test
    void classFoldersByIndex() throws Exception {
        // four photos in their right class, two in class 999 (never in the top five: ties rank the lower index first)
        Path root = dir.resolve("byindex");
        for (int i = 0; i < photos.size(); i++) {
            Path folder = Files.createDirectories(root.resolve(i < 4 ? Integer.toString(channel.get(i)) : "999"));
            Files.copy(photos.get(i), folder.resolve(photos.get(i).getFileName()));
        }
        CliRun r = CliRun.of("accuracy", "--images", root.toString(), "--model", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        assertEquals(6, j.get("samples").getAsInt());
        JsonObject row = j.getAsJsonArray("models").get(0).getAsJsonObject();
        assertEquals(4.0 / 6, row.get("top1").getAsDouble(), 1e-12);
        assertEquals(4.0 / 6, row.get("top5").getAsDouble(), 1e-12);
    }

    @Test
    void labelsFileWithWordNetIdsAndASynsetFile() throws Exception {
        Path root = Files.createDirectories(dir.resolve("byfile"));
        StringBuilder synsets = new StringBuilder();
        for (int i = 0; i < 1000; i++) synsets.append(String.format("n%08d class %d%n", 10_000_000 + i, i));
        Path synsetFile = dir.resolve("LOC_synset_mapping.txt");
        Files.writeString(synsetFile, synsets);
        StringBuilder labels = new StringBuilder("# image class\n");
        for (int i = 0; i < photos.size(); i++) {
            Files.copy(photos.get(i), root.resolve(photos.get(i).getFileName()));
            // all right, but the last one labelled with class 3: top-1 misses it, top-5 (0, 1, 2, 3, 4) has it
            int label = i == photos.size() - 1 ? 3 : channel.get(i);
            labels.append(photos.get(i).getFileName()).append(' ').append(String.format("n%08d", 10_000_000 + label)).append('\n');
        }
        Files.writeString(root.resolve("labels.txt"), labels);
        CliRun r = CliRun.of("accuracy", "--images", root.toString(), "--synsets", synsetFile.toString(), "--model", model.toString());
        assertEquals(0, r.code(), r.err());
        String expected = String.format(java.util.Locale.ROOT, "%6.1f%% %6.1f%%", 100 * 5.0 / 6, 100.0);
        assertTrue(r.out().contains("channels.pt") && r.out().contains(expected), r.out());

        CliRun noSynsets = CliRun.of("accuracy", "--images", root.toString(), "--model", model.toString());
        assertEquals(1, noSynsets.code());
        assertTrue(noSynsets.err().startsWith("edgetorch: ") && noSynsets.err().contains("needs --synsets"), noSynsets.err());
    }

    @Test
    void refusals() throws Exception {
        Path flat = Files.createDirectories(dir.resolve("flat"));
        Files.copy(photos.get(0), flat.resolve(photos.get(0).getFileName()));
        CliRun r = CliRun.of("accuracy", "--images", flat.toString(), "--model", model.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no class folders"), r.err());
        Path partial = Files.createDirectories(dir.resolve("partial/n01440764"));
        Files.copy(photos.get(0), partial.resolve(photos.get(0).getFileName()));
        CliRun p = CliRun.of("accuracy", "--images", partial.getParent().toString(), "--model", model.toString());
        assertEquals(1, p.code());
        assertTrue(p.err().contains("not all 1000 classes"), p.err());
        assertEquals(1, CliRun.of("accuracy", "--images", flat.toString(), "--model", dir.resolve("none.pt").toString()).code());
    }
}
