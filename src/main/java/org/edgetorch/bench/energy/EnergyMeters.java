package org.edgetorch.bench.energy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the machine's energy meter, in this order: Linux powercap {@code intel-rapl} package counters (x86),
 * hwmon energy counters, hwmon power sensors (including an INA3221 as on Jetson boards: voltage times current of
 * its input rail), and a Raspberry Pi 5's PMIC through {@code vcgencmd pmic_read_adc}. When there is none, a
 * sentence saying what was looked for and why each was not usable.
 */
public final class EnergyMeters {
    /** How often power meters are sampled. A vcgencmd call starts a process, so not much more often than this. */
    static final long SAMPLE_INTERVAL_MS = 100;
    private static final Pattern RAPL_ZONE = Pattern.compile("intel-rapl:\\d+");
    private static final Pattern PMIC_CURRENT = Pattern.compile("^\\s*(\\S+)_A\\s+current\\(\\d+\\)=([-+0-9.eE]+)A\\s*$");
    private static final Pattern PMIC_VOLT = Pattern.compile("^\\s*(\\S+)_V\\s+volt\\(\\d+\\)=([-+0-9.eE]+)V\\s*$");

    private EnergyMeters() {
    }

    /** A meter, or null and the reason there is none. */
    public record Detection(EnergyMeter meter, String reason) {
    }

    /** On this machine: {@code /sys} and {@code vcgencmd} on the PATH. */
    public static Detection detect() {
        return detect(Path.of("/"), List.of("vcgencmd"));
    }

    /**
     * @param root     where {@code sys/class/...} is looked up ({@code /}, or a fake tree in tests)
     * @param vcgencmd the command that runs vcgencmd
     */
    public static Detection detect(Path root, List<String> vcgencmd) {
        List<String> why = new ArrayList<>();
        EnergyMeter m = rapl(root.resolve("sys/class/powercap"), why);
        if (m == null) m = hwmon(root.resolve("sys/class/hwmon"), why);
        if (m == null) m = pmic(vcgencmd, why);
        return m != null ? new Detection(m, null) : new Detection(null, "no energy meter: " + String.join("; ", why));
    }

    private static EnergyMeter rapl(Path powercap, List<String> why) {
        List<Path> zones = list(powercap).stream().filter(p -> RAPL_ZONE.matcher(p.getFileName().toString()).matches()).toList();
        if (zones.isEmpty()) {
            why.add("no intel-rapl zone in " + powercap);
            return null;
        }
        List<CounterMeter.Counter> counters = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path z : zones) {
            Path energy = z.resolve("energy_uj");
            if (!readable(energy)) {
                why.add(energy + " is not readable (root only since Linux 5.10; run as root or chmod it)");
                return null;
            }
            Path range = z.resolve("max_energy_range_uj");
            counters.add(new CounterMeter.Counter(energy, readable(range) ? CounterMeter.readLong(range) : 0));
            names.add(text(z.resolve("name"), z.getFileName().toString()));
        }
        return new CounterMeter("powercap intel-rapl (" + String.join(", ", names) + ")", counters);
    }

    private static EnergyMeter hwmon(Path hwmonDir, List<String> why) {
        List<Path> devices = list(hwmonDir);
        if (devices.isEmpty()) {
            why.add("no hwmon device in " + hwmonDir);
            return null;
        }
        for (Path d : devices) {  // a cumulative counter is better than sampled power
            List<Path> energy = readableMatching(d, "energy\\d+_input");
            if (!energy.isEmpty()) {
                return new CounterMeter("hwmon " + text(d.resolve("name"), d.getFileName().toString()) + " energy counters",
                        energy.stream().map(f -> new CounterMeter.Counter(f, 0)).toList());
            }
        }
        for (Path d : devices) {
            String name = text(d.resolve("name"), d.getFileName().toString());
            List<Path> power = readableMatching(d, "power\\d+_input");
            if (!power.isEmpty()) {
                DoubleSupplier w = () -> power.stream().mapToDouble(f -> CounterMeter.readLong(f) / 1e6).sum();  // microwatts
                return new SampledPowerMeter("hwmon " + name + " power sensor, sampled every " + SAMPLE_INTERVAL_MS + " ms", w, SAMPLE_INTERVAL_MS);
            }
            EnergyMeter ina = voltageTimesCurrent(d, name);
            if (ina != null) return ina;
        }
        why.add("no readable power or energy sensor in " + hwmonDir);
        return null;
    }

    /**
     * An INA3221-style monitor: channel N has {@code inN_input} (mV) and {@code currN_input} (mA). Channels whose
     * label names a board input ({@code VDD_IN}, {@code POM_5V_IN}) already include the others, so only those
     * count when present.
     */
    private static EnergyMeter voltageTimesCurrent(Path d, String name) {
        List<int[]> channels = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Path curr : readableMatching(d, "curr\\d+_input")) {
            String f = curr.getFileName().toString();
            int ch = Integer.parseInt(f.substring(4, f.indexOf('_')));
            if (!readable(d.resolve("in" + ch + "_input"))) continue;
            channels.add(new int[]{ch});
            labels.add(text(d.resolve("in" + ch + "_label"), text(d.resolve("curr" + ch + "_label"), "channel " + ch)));
        }
        if (channels.isEmpty()) return null;
        List<Integer> use = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) if (labels.get(i).toUpperCase(Locale.ROOT).endsWith("_IN")) use.add(i);
        if (use.isEmpty()) for (int i = 0; i < channels.size(); i++) use.add(i);
        List<String> used = use.stream().map(labels::get).toList();
        List<Integer> ids = use.stream().map(i -> channels.get(i)[0]).toList();
        DoubleSupplier w = () -> {
            double sum = 0;
            for (int ch : ids) {
                sum += CounterMeter.readLong(d.resolve("in" + ch + "_input")) / 1e3 * CounterMeter.readLong(d.resolve("curr" + ch + "_input")) / 1e3;
            }
            return sum;
        };
        return new SampledPowerMeter("hwmon " + name + " voltage x current of " + String.join(", ", used) + ", sampled every "
                + SAMPLE_INTERVAL_MS + " ms", w, SAMPLE_INTERVAL_MS);
    }

    private static EnergyMeter pmic(List<String> vcgencmd, List<String> why) {
        String out;
        try {
            out = pmicOutput(vcgencmd);
        } catch (IOException e) {
            why.add("no vcgencmd (" + String.join(" ", vcgencmd) + ": " + e.getMessage() + ")");
            return null;
        }
        if (Double.isNaN(pmicWatts(out))) {
            why.add("vcgencmd pmic_read_adc gave no rail currents and voltages (not a Raspberry Pi 5?)");
            return null;
        }
        DoubleSupplier w = () -> {
            try {
                return pmicWatts(pmicOutput(vcgencmd));
            } catch (IOException e) {
                throw new IllegalStateException("vcgencmd pmic_read_adc: " + e.getMessage(), e);
            }
        };
        return new SampledPowerMeter("Raspberry Pi 5 PMIC rails (vcgencmd pmic_read_adc, current x voltage summed), sampled every "
                + SAMPLE_INTERVAL_MS + " ms", w, SAMPLE_INTERVAL_MS);
    }

    static String pmicOutput(List<String> vcgencmd) throws IOException {
        List<String> cmd = new ArrayList<>(vcgencmd);
        cmd.add("pmic_read_adc");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("did not finish in 5 s");
            }
            if (p.exitValue() != 0) throw new IOException("exit code " + p.exitValue());
            return text;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Sum over rails of current times voltage; NaN when no rail has both. */
    static double pmicWatts(String output) {
        java.util.Map<String, Double> amps = new java.util.HashMap<>();
        java.util.Map<String, Double> volts = new java.util.HashMap<>();
        for (String line : output.split("\n")) {
            Matcher a = PMIC_CURRENT.matcher(line);
            if (a.matches()) amps.put(a.group(1), Double.parseDouble(a.group(2)));
            Matcher v = PMIC_VOLT.matcher(line);
            if (v.matches()) volts.put(v.group(1), Double.parseDouble(v.group(2)));
        }
        double sum = 0;
        int rails = 0;
        for (var e : amps.entrySet()) {
            Double v = volts.get(e.getKey());
            if (v != null) {
                sum += e.getValue() * v;
                rails++;
            }
        }
        return rails == 0 ? Double.NaN : sum;
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) out.add(p);
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    private static List<Path> readableMatching(Path dir, String regex) {
        return list(dir).stream().filter(p -> p.getFileName().toString().matches(regex) && readable(p)).toList();
    }

    /** Readable for real: sysfs files root owns show as readable to Files.isReadable even when opening fails. */
    private static boolean readable(Path f) {
        try {
            Files.readString(f);
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static String text(Path f, String otherwise) {
        try {
            String s = Files.readString(f).trim();
            return s.isEmpty() ? otherwise : s;
        } catch (IOException e) {
            return otherwise;
        }
    }
}
