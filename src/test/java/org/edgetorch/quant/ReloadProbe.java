package org.edgetorch.quant;

import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.image.StudyImages;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Run in a fresh JVM by {@link StaticQuantizationTest}: loads each quantized file (packed weights come
 * back through their __setstate__, under the engine the file records) and prints its output on the
 * first held-out photo as JSON {file: [logits]}.
 */
public final class ReloadProbe {
    public static void main(String[] files) {
        Backends.get();
        FloatTensor x = StudyImages.heldOut().get(0).tensor();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String f : files) {
            try (Model m = org.edgetorch.runtime.Runtimes.load(Path.of(f))) {
                out.put(f, m.forward(x).data());
            }
        }
        System.out.println(Json.write(out));
    }
}
