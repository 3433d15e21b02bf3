package org.edgetorch.image;

import org.junit.jupiter.api.Test;

import java.util.HashSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageNetLabelsTest {
    @Test
    void thousandLabelsInIndexOrder() {
        assertEquals(1000, ImageNetLabels.all().size());
        assertEquals(1000, ImageNetLabels.full().size());
        assertEquals("tench", ImageNetLabels.name(0));
        assertEquals("tench, Tinca tinca", ImageNetLabels.fullName(0));
        assertEquals("goldfish", ImageNetLabels.name(1));
        assertEquals("toilet tissue", ImageNetLabels.name(999));
        for (String s : ImageNetLabels.all()) assertTrue(!s.isBlank() && !s.contains(","), s);
        // short names are not all unique in ImageNet ("crane" twice, "maillot" twice), full lines nearly are
        assertTrue(new HashSet<>(ImageNetLabels.all()).size() > 990);
    }
}
