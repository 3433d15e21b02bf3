package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.jit.Verification;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.util.UserError;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The {@code verify} command's check: the TorchScript file against the eager model, random and real inputs. */
final class VerifyStage implements StudyStage {
    static final int RANDOM_INPUTS = 2;

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public String skipReason(StudyContext c) {
        return c.hasEager() ? null : "--model: there is no eager Java model to check the TorchScript file against";
    }

    @Override
    public void run(StudyContext c) {
        StudyModel ts = c.model(Variant.FP32_TORCHSCRIPT);
        Verification.Result r;
        try (Model m = ts.loader().get()) {
            r = Verification.run(m, c.eager(), c.heldOut(), RANDOM_INPUTS, Verification.DEFAULT_TOLERANCE);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", ts.variant().file());
        v.put("reference", Variant.FP32_EAGER);
        v.put("tolerance", r.tolerance());
        v.put("passed", r.passed());
        v.put("max_abs_diff", r.maxAbsDiff());
        v.put("random", agreementJson(r.random()));
        v.put("images", agreementJson(r.images()));
        c.verification().put(Variant.FP32_TORCHSCRIPT, v);
        String line = String.format(Locale.ROOT, "TorchScript vs eager: max abs diff %s on %d random + %d held-out inputs (tolerance %.0e)",
                ReportMarkdown.small(r.maxAbsDiff()), RANDOM_INPUTS, c.heldOut().size(), r.tolerance());
        c.progress().note((r.passed() ? "PASS " : "FAIL ") + line);
        if (!r.passed()) throw new UserError("verify: " + line);
    }

    static Map<String, Object> agreementJson(Agreement a) {
        return a == null ? null : ReportJson.agreement(a);
    }
}
