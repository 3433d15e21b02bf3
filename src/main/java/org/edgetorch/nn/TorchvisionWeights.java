package org.edgetorch.nn;

import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.GenericDict;
import org.bytedeco.pytorch.GenericDictIterator;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a torchvision state dict written by PyTorch's {@code torch.save} with LibTorch's own unpickler. */
public final class TorchvisionWeights {
    private TorchvisionWeights() {
    }

    public static StateDict load(Path file, Architecture arch) {
        checkArchive(file);
        Map<String, Tensor> raw = unpickle(file);
        StateDict sd = new StateDict();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (TensorSpec s : arch.stateDictSpec()) {
            Tensor t = raw.remove(s.name());
            if (t == null) {
                missing.add(s.name());
                continue;
            }
            long[] shape = t.sizes().vec().get();
            if (!Arrays.equals(shape, s.shape())) {
                misShaped.add(s.name() + " " + Arrays.toString(shape) + " (expected " + s.shapeString() + ")");
                continue;
            }
            Tensor typed = s.kind() == TensorSpec.Kind.COUNTER ? t.to(torch.ScalarType.Long) : t.to(torch.ScalarType.Float);
            sd.put(s.name(), typed.contiguous().clone());
        }
        List<String> unexpected = new ArrayList<>(raw.keySet());
        if (!missing.isEmpty() || !misShaped.isEmpty() || !unexpected.isEmpty()) {
            StringBuilder m = new StringBuilder(file + ": not a torchvision " + arch.name() + " state dict:");
            if (!missing.isEmpty()) m.append(" missing ").append(missing.size()).append(' ').append(sample(missing)).append(';');
            if (!unexpected.isEmpty()) m.append(" unexpected ").append(unexpected.size()).append(' ').append(sample(unexpected)).append(';');
            if (!misShaped.isEmpty()) m.append(" mis-shaped ").append(misShaped.size()).append(' ').append(sample(misShaped)).append(';');
            throw new UserError(m.substring(0, m.length() - 1));
        }
        return sd;
    }

    private static String sample(List<String> names) {
        List<String> head = names.subList(0, Math.min(4, names.size()));
        return "[" + String.join(", ", head) + (names.size() > head.size() ? ", ..." : "") + "]";
    }

    private static void checkArchive(Path file) {
        org.edgetorch.util.InputFiles.requireRegularFile(file, "a weights file written by torch.save");
        try {
            if (Files.size(file) == 0) throw new UserError(file + ": empty weights file");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it: " + org.edgetorch.util.AtomicFiles.reason(e));
        }
        boolean data = false, code = false;
        try {
            for (String local : ModelFiles.checkedEntries(file)) {
                if (local.equals("data.pkl")) data = true;
                if (local.startsWith("code/")) code = true;
            }
        } catch (IOException e) {
            throw new UserError(file + ": unreadable weights file (expected a zip written by torch.save; "
                    + "files from PyTorch < 1.6 must be re-saved): " + org.edgetorch.util.AtomicFiles.reason(e));
        }
        if (code) throw new UserError(file + ": this is a TorchScript model, not a state dict; pass it with --model");
        if (!data) throw new UserError(file + ": a zip file without data.pkl, not written by torch.save");
    }

    private static Map<String, Tensor> unpickle(Path file) {
        IValue root;
        try {
            root = torch.pickle_load(new ByteVector(StateDictPickle.rewriteArchive(file)));
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it: " + org.edgetorch.util.AtomicFiles.reason(e));
        } catch (RuntimeException e) {
            throw new UserError(file + ": LibTorch could not unpickle it: " + ModelFiles.firstLine(e));
        }
        if (!root.isGenericDict()) throw new UserError(file + ": holds a " + root.tagKind().getString() + ", not a state dict");
        GenericDict dict = root.toGenericDict();
        Map<String, Tensor> out = new LinkedHashMap<>();
        GenericDictIterator end = dict.end();
        for (GenericDictIterator it = dict.begin(); !it.equals(end); it.increment()) {
            IValue k = it.access().key();
            IValue v = it.access().value();
            if (!k.isString() || !v.isTensor()) continue;
            // toTensor() views memory the dict owns: copy it out while the dict is still reachable
            out.put(k.toStringRef().getString(), v.toTensor().clone());
        }
        java.lang.ref.Reference.reachabilityFence(root);
        java.lang.ref.Reference.reachabilityFence(dict);
        return out;
    }
}
