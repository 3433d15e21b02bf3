package org.edgetorch.remote;

import org.edgetorch.crosscheck.CompareReport;
import org.edgetorch.util.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** report.json of {@code edgetorch remote}: schema {@value #SCHEMA}, documented in src/site/markdown/remote.md. */
public final class RemoteJson {
    /** Bumped when a field changes meaning or disappears; new fields may appear within a version. */
    public static final String SCHEMA = "edgetorch.remote/1";

    private RemoteJson() {
    }

    public static String write(Fleet f, List<String> charts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("created", f.created());
        m.put("edgetorch", f.edgetorch());
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("source", f.referenceSource());
        ref.put("file", f.referenceFile());
        ref.put("machine", f.reference().machine());
        m.put("reference", ref);
        Map<String, Object> bench = new LinkedHashMap<>();
        bench.put("input", "dummy, seed 0");
        bench.put("shape", f.plan().shape());
        bench.put("warmup", f.plan().warmup());
        bench.put("runs", f.plan().runs());
        bench.put("min_time_s", f.plan().minTime());
        bench.put("threads", f.plan().threads());
        m.put("bench", bench);
        List<Map<String, Object>> models = new ArrayList<>();
        for (var p : f.models()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", p.getFileName().toString());
            e.put("sha256", HostRun.sha256(p));
            models.add(e);
        }
        m.put("models", models);
        List<Map<String, Object>> hosts = new ArrayList<>();
        for (Fleet.Entry e : f.hosts()) {
            HostResult r = e.result();
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("host", r.host().label());
            h.put("user", r.host().user());
            h.put("name", r.host().name());
            h.put("port", r.host().port());
            h.put("status", !r.ok() ? "failed" : e.problems().isEmpty() ? "ok" : "beyond_bounds");
            h.put("failed_step", r.failedStep());
            h.put("reason", r.reason());
            h.put("arch", r.arch());
            h.put("java", r.java());
            h.put("info", r.info());
            h.put("info_error", r.infoError());
            List<Map<String, Object>> copies = new ArrayList<>();
            for (HostResult.Copy c : r.copies()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("file", c.file());
                x.put("bytes", c.bytes());
                x.put("sha256", c.sha256());
                x.put("skipped", c.skipped());
                copies.add(x);
            }
            h.put("copies", copies);
            h.put("io_file", e.ioFile());
            h.put("seconds", r.seconds());
            h.put("comparison", e.comparison() == null ? null
                    : CompareReport.json(e.comparison(), "io/reference.json", e.ioFile(), f.bounds()));
            h.put("problems", e.problems());
            hosts.add(h);
        }
        m.put("hosts", hosts);
        m.put("charts", charts);
        m.put("problems", f.problems());
        return Json.write(m) + "\n";
    }
}
