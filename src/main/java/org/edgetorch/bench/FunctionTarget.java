package org.edgetorch.bench;

import org.edgetorch.tensor.FloatTensor;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A target made of functions: how to load the model, build its input, run it, and fold its output.
 * The eager Java model is wired in through this (see {@link BenchTargets}).
 *
 * @param <M> the loaded model
 * @param <I> the model's prepared input
 * @param <O> the model's output
 */
public final class FunctionTarget<M, I, O> implements BenchTarget {
    private final String name;
    private final String kind;
    private final String source;
    private final String timedCall;
    private final Supplier<M> loader;
    private final BiFunction<M, FloatTensor, I> preparer;
    private final BiFunction<M, I, O> runner;
    private final ToDoubleFunction<O> folder;
    private final Consumer<M> closer;
    private M model;
    private I input;
    private O last;

    public FunctionTarget(String name, String kind, String source, String timedCall, Supplier<M> loader,
                          BiFunction<M, FloatTensor, I> preparer, BiFunction<M, I, O> runner,
                          ToDoubleFunction<O> folder, Consumer<M> closer) {
        this.name = Objects.requireNonNull(name);
        this.kind = Objects.requireNonNull(kind);
        this.source = Objects.requireNonNull(source);
        this.timedCall = Objects.requireNonNull(timedCall);
        this.loader = Objects.requireNonNull(loader);
        this.preparer = Objects.requireNonNull(preparer);
        this.runner = Objects.requireNonNull(runner);
        this.folder = Objects.requireNonNull(folder);
        this.closer = closer == null ? m -> { } : closer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String timedCall() {
        return timedCall;
    }

    @Override
    public void load() {
        model = loader.get();
    }

    @Override
    public void prepare(FloatTensor in) {
        input = preparer.apply(model, in);
    }

    @Override
    public void runOnce() {
        last = runner.apply(model, input);
    }

    @Override
    public double consume() {
        O out = last;
        last = null;
        return out == null ? 0 : folder.applyAsDouble(out);
    }

    @Override
    public void close() {
        if (model != null) closer.accept(model);
        model = null;
        input = null;
        last = null;
    }
}
