package org.edgetorch.cli;

import picocli.CommandLine;

/** {@code edgetorch --version}: the jar's own version (the LibTorch in use is {@code info}'s business). */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[]{"edgetorch " + (v == null ? "0.1.0" : v)};
    }
}
