package org.edgetorch.nn;

import org.edgetorch.util.UserError;

import java.util.List;

/** The architectures the toolkit builds in Java, by torchvision name. */
public final class Architectures {
    private Architectures() {
    }

    public static List<String> names() {
        return List.of("mobilenet_v2", "resnet18");
    }

    public static Architecture byName(String name) {
        return switch (name) {
            case "mobilenet_v2", "mobilenet-v2", "mobilenetv2" -> new MobileNetV2();
            case "resnet18", "resnet-18" -> new ResNet18();
            default -> throw new UserError("unknown architecture '" + name + "'; known: " + String.join(", ", names()));
        };
    }
}
