package org.edgetorch.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One naming rule for CPUs, on /proc/cpuinfo texts of the machines the project runs on. */
class MachineInfoTest {
    @Test
    void x86UsesTheModelName() {
        String cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assertEquals("Intel(R) Xeon(R) CPU @ 2.20GHz", MachineInfo.cpuModel(cpuinfo, null, "amd64"));
    }

    @Test
    void raspberryPiGetsBoardAndCore() {
        String pi4 = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\n"
                + "Hardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n";
        assertEquals("Raspberry Pi 4 Model B Rev 1.4, CPU part 0xd08 (Cortex-A72)", MachineInfo.cpuModel(pi4, null, "aarch64"));
    }

    @Test
    void armWithoutModelLineFallsBackToTheDeviceTree() {
        String cpuinfo = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n";
        assertEquals("Raspberry Pi 5 Model B Rev 1.0, CPU part 0xd0b (Cortex-A76)",
                MachineInfo.cpuModel(cpuinfo, "Raspberry Pi 5 Model B Rev 1.0\0", "aarch64"));
        // qemu-user: the host's cpuinfo has neither; the architecture is all there is
        assertEquals("aarch64", MachineInfo.cpuModel(null, null, "aarch64"));
    }
}
