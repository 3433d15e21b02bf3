package org.edgetorch.study;

import java.util.List;

/**
 * The Python reproduction of the study on this machine (bench/python_study.py), when {@code --with-python}
 * found a Python with torch and torchvision.
 *
 * @param status      {@code ran}, {@code unavailable} (no usable Python: not a failure) or {@code failed}
 * @param message     one line: why it is unavailable or failed, else null
 * @param python      the interpreter and its version, e.g. {@code /usr/bin/python3 (Python 3.11.2)}
 * @param torch       PyTorch's version on the Python side
 * @param variants    what the Python side built, with sizes and agreement with its own FP32 eager
 * @param latency     its latency figures, same variant ids as edgetorch's
 */
public record PythonResult(String status, String message, String python, String torch, String torchvision,
                           List<String> quantizedEngines, List<Variant> variants, List<Latency> latency,
                           List<String> notes) {

    public static PythonResult unavailable(String why) {
        return new PythonResult("unavailable", why, null, null, null, List.of(), List.of(), List.of(), List.of());
    }

    public static PythonResult failed(String python, String why) {
        return new PythonResult("failed", why, python, null, null, List.of(), List.of(), List.of(), List.of());
    }

    public boolean ran() {
        return "ran".equals(status);
    }
}
