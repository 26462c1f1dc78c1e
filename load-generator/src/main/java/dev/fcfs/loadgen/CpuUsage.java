package dev.fcfs.loadgen;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The load generator's own CPU time and the wall time it was spent in: the generator shares the machine with what
 * it measures, so how much it took must be on display.
 *
 * @param cpuNanos CPU time of the whole process, all threads (JIT and GC included); -1 if the JVM cannot tell
 * @param wallNanos time since the JVM started
 */
record CpuUsage(long cpuNanos, long wallNanos) {

    /** This process, now. */
    static CpuUsage now() {
        long wall = ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return new CpuUsage(os.getProcessCpuTime(), wall);
        }
        return new CpuUsage(ProcessHandle.current().info().totalCpuDuration().map((cpu) -> cpu.toNanos()).orElse(-1L),
                wall);
    }

    /** CPU time as a share of one core over the wall time, e.g. 41.0 for 41%; NaN if unknown. */
    double percentOfOneCore() {
        return (this.cpuNanos >= 0 && this.wallNanos > 0) ? 100.0 * this.cpuNanos / this.wallNanos : Double.NaN;
    }

    /** E.g. {@code loadgen CPU 3.2 s (41% of one core)}. */
    String describe() {
        if (this.cpuNanos < 0) {
            return "loadgen CPU -";
        }
        return String.format(Locale.ROOT, "loadgen CPU %.1f s (%.0f%% of one core)", this.cpuNanos / 1e9,
                percentOfOneCore());
    }

}
