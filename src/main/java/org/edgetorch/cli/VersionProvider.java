package org.edgetorch.cli;

import picocli.CommandLine;

/** {@code edgetorch --version}: the jar's own version, and the LibTorch it was built against. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[]{"edgetorch " + (v == null ? "0.1.0" : v) + " (LibTorch 2.10.0 via Bytedeco presets 1.5.13)"};
    }
}
