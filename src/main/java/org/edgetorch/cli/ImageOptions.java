package org.edgetorch.cli;

import org.edgetorch.image.ImagePreprocessor;
import org.edgetorch.image.ResizeMode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --resize}: the resize filter of image preprocessing, for every command that reads images. */
public final class ImageOptions {
    @Option(names = "--resize", paramLabel = "MODE", converter = ResizeModeConverter.class,
            description = "Resize filter: antialias (default; PIL/torchvision's antialiased bilinear), "
                    + "linear (OpenCV INTER_LINEAR), area (OpenCV INTER_AREA).")
    public ResizeMode resize = ResizeMode.DEFAULT;

    public ImagePreprocessor preprocessor() {
        return new ImagePreprocessor(resize);
    }

    static final class ResizeModeConverter implements CommandLine.ITypeConverter<ResizeMode> {
        @Override
        public ResizeMode convert(String value) {
            try {
                return ResizeMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
