package org.edgetorch.bench.energy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each meter against a fake sysfs tree or a fake vcgencmd script, with hand-computed energies. */
class EnergyMetersTest {
    @TempDir
    Path root;

    private static final List<String> NO_VCGENCMD = List.of("/nonexistent/vcgencmd");

    private Path write(String relative, String content) throws IOException {
        Path f = root.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content + "\n");
        return f;
    }

    @Test
    void raplPackagesAreSummedAndAWrapIsUndone() throws IOException {
        Path p0 = write("sys/class/powercap/intel-rapl:0/energy_uj", "1000000");
        write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850");
        write("sys/class/powercap/intel-rapl:0/name", "package-0");
        Path p1 = write("sys/class/powercap/intel-rapl:1/energy_uj", "262143000000");
        write("sys/class/powercap/intel-rapl:1/max_energy_range_uj", "262143328850");
        write("sys/class/powercap/intel-rapl:1/name", "package-1");
        // a sub-zone (core) is part of its package and must not be added again
        Path core = write("sys/class/powercap/intel-rapl:0:0/energy_uj", "5");
        EnergyMeters.Detection d = EnergyMeters.detect(root, NO_VCGENCMD);
        assertNotNull(d.meter(), d.reason());
        assertEquals("powercap intel-rapl (package-0, package-1)", d.meter().source());
        d.meter().start();
        Files.writeString(p0, "3500000\n");             // +2.5 J
        Files.writeString(p1, "671150\n");               // wrapped: 328850 + 671150 uJ = 1.0 J
        Files.writeString(core, "999999999\n");
        EnergyMeter.Reading r = d.meter().stop();
        assertEquals(3.5, r.joules(), 1e-9);
    }

    @Test
    void unreadableRaplSaysWhy() throws IOException {
        Path e = write("sys/class/powercap/intel-rapl:0/energy_uj", "1");
        Files.setPosixFilePermissions(e, PosixFilePermissions.fromString("---------"));
        if (Files.isReadable(e) && canRead(e)) return;  // running as root: every file is readable
        EnergyMeters.Detection d = EnergyMeters.detect(root, NO_VCGENCMD);
        assertNull(d.meter());
        assertTrue(d.reason().contains("energy_uj is not readable"), d.reason());
    }

    private static boolean canRead(Path f) {
        try {
            Files.readString(f);
            return true;
        } catch (IOException ex) {
            return false;
        }
    }

    @Test
    void hwmonPowerSensorIsIntegratedOverTime() throws Exception {
        write("sys/class/hwmon/hwmon0/name", "acpitz");
        write("sys/class/hwmon/hwmon0/temp1_input", "40000");
        write("sys/class/hwmon/hwmon1/name", "fakepower");
        write("sys/class/hwmon/hwmon1/power1_input", "2500000");  // 2.5 W in microwatts
        EnergyMeters.Detection d = EnergyMeters.detect(root, NO_VCGENCMD);
        assertNotNull(d.meter(), d.reason());
        assertTrue(d.meter().source().startsWith("hwmon fakepower power sensor"), d.meter().source());
        d.meter().start();
        Thread.sleep(250);
        EnergyMeter.Reading r = d.meter().stop();
        assertTrue(r.seconds() >= 0.25, "interval " + r.seconds());
        assertEquals(2.5 * r.seconds(), r.joules(), 1e-9, "constant power integrates to P * t");
        assertEquals(2.5, r.watts(), 1e-9);
    }

    @Test
    void ina3221UsesTheBoardInputRailOnly() throws Exception {
        String d = "sys/class/hwmon/hwmon3/";
        write(d + "name", "ina3221");
        write(d + "in1_label", "VDD_IN");
        write(d + "in1_input", "5000");     // mV
        write(d + "curr1_input", "1200");   // mA: 6 W
        write(d + "in2_label", "VDD_CPU_GPU_CV");
        write(d + "in2_input", "5000");
        write(d + "curr2_input", "400");    // part of VDD_IN: not added
        EnergyMeters.Detection det = EnergyMeters.detect(root, NO_VCGENCMD);
        assertNotNull(det.meter(), det.reason());
        assertTrue(det.meter().source().contains("ina3221 voltage x current of VDD_IN,"), det.meter().source());
        det.meter().start();
        Thread.sleep(150);
        assertEquals(6.0, det.meter().stop().watts(), 1e-9);
    }

    @Test
    void raspberryPi5PmicThroughVcgencmd() throws Exception {
        Path script = write("bin/vcgencmd", """
                #!/bin/sh
                [ "$1" = pmic_read_adc ] || exit 1
                cat <<'OUT'
                   VDD_CORE_A current(7)=2.00000000A
                    3V3_SYS_A current(1)=0.50000000A
                    HDMI_A current(22)=0.10000000A
                   VDD_CORE_V volt(15)=0.80000000V
                    3V3_SYS_V volt(9)=3.30000000V
                    EXT5V_V volt(24)=5.10000000V
                OUT""");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        // rails with both a current and a voltage: 2 * 0.8 + 0.5 * 3.3 = 3.25 W (HDMI and EXT5V have one each)
        assertEquals(3.25, EnergyMeters.pmicWatts(EnergyMeters.pmicOutput(List.of(script.toString()))), 1e-9);
        EnergyMeters.Detection d = EnergyMeters.detect(root, List.of(script.toString()));
        assertNotNull(d.meter(), d.reason());
        assertTrue(d.meter().source().startsWith("Raspberry Pi 5 PMIC"), d.meter().source());
        d.meter().start();
        Thread.sleep(120);
        assertEquals(3.25, d.meter().stop().watts(), 1e-9);
    }

    @Test
    void noMeterGivesEveryReason() throws IOException {
        Path script = write("bin/vcgencmd", "#!/bin/sh\necho 'error=2 error_msg=\"Command not registered\"'");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        EnergyMeters.Detection d = EnergyMeters.detect(root, List.of(script.toString()));
        assertNull(d.meter());
        assertTrue(d.reason().startsWith("no energy meter: no intel-rapl zone"), d.reason());
        assertTrue(d.reason().contains("no hwmon device"), d.reason());
        assertTrue(d.reason().contains("gave no rail currents and voltages"), d.reason());
        assertTrue(EnergyMeters.detect(root, NO_VCGENCMD).reason().contains("no vcgencmd"));
    }

    @Test
    void counterDeltaUndoesOneWrap() {
        assertEquals(200, CounterMeter.delta(900, 100, 1000));
        assertEquals(50, CounterMeter.delta(100, 150, 1000));
        assertEquals(0, CounterMeter.delta(900, 100, 0), "unknown range: a decrease counts as nothing");
    }
}
