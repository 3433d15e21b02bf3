package org.edgetorch.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values checked where picocli converts them, so that a bad value is a usage error (exit 2) with a
 * plain message naming the option, before any work starts.
 */
final class OptionConverters {
    private OptionConverters() {
    }

    /** Every floating-point option: a finite number (NaN would make every comparison false). */
    static final class FiniteDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d;
            try {
                d = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
            if (!Double.isFinite(d)) throw new TypeConversionException("'" + value + "' is not a finite number");
            return d;
        }
    }

    /**
     * {@code --threads}: at least 1 and at most {@link #maxThreads()}, a multiple of the cores beyond which
     * more threads only add contention (and 100000 would exhaust the machine).
     */
    static final class ThreadCount implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (n < 1) throw new TypeConversionException(n + ": at least 1 thread is needed");
            int max = maxThreads();
            if (n > max) {
                throw new TypeConversionException(n + " threads is more than " + max + " (" + THREADS_PER_CORE
                        + " per core on this machine's " + Runtime.getRuntime().availableProcessors() + " cores)");
            }
            return n;
        }
    }

    static final int THREADS_PER_CORE = 8;

    static int maxThreads() {
        return Math.max(16, THREADS_PER_CORE * Runtime.getRuntime().availableProcessors());
    }
}
