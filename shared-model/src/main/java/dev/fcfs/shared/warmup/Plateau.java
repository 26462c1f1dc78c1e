package dev.fcfs.shared.warmup;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells when a warm-up has done its job: the last few measurements of its speed stay within a band around their
 * mean, and the JIT compilers spent little of that time compiling. Speed alone is not enough: on two cores the
 * compiler threads take CPU from the hot path, so a flat stretch while they are busy is not yet the steady state.
 */
public final class Plateau {

    private final int windows;

    private final double spread;

    private final double quietCompilerShare;

    private final List<Double> speeds = new ArrayList<>();

    private final List<Long> compileMillis = new ArrayList<>();

    private final List<Long> wallMillis = new ArrayList<>();

    /**
     * @param windows how many measurements in a row must agree
     * @param spread how far each may be from their mean, as a share of it
     * @param quietCompilerShare most compiling time over those measurements, as a share of their wall time
     */
    public Plateau(int windows, double spread, double quietCompilerShare) {
        this.windows = windows;
        this.spread = spread;
        this.quietCompilerShare = quietCompilerShare;
    }

    /**
     * Adds one measurement of speed (any unit, higher is faster) taken now, with the compilers' time so far.
     * @return whether the plateau is reached
     */
    public boolean add(double speed, long compilationMillis, long nowMillis) {
        this.speeds.add(speed);
        this.compileMillis.add(compilationMillis);
        this.wallMillis.add(nowMillis);
        return reached();
    }

    /** Adds one measurement, reading the compilers' time and the clock itself. */
    public boolean add(double speed) {
        return add(speed, compilationMillis(), System.nanoTime() / 1_000_000);
    }

    /** The mean of the last measurements (all of them if there are fewer than the window count). */
    public double recentMean() {
        return mean(this.speeds.subList(Math.max(0, this.speeds.size() - this.windows), this.speeds.size()));
    }

    boolean reached() {
        int size = this.speeds.size();
        // one more than the windows: the compilers' time is measured between the first and the last
        if (size < this.windows + 1) {
            return false;
        }
        List<Double> last = this.speeds.subList(size - this.windows, size);
        double mean = mean(last);
        if (mean <= 0) {
            return false;
        }
        for (double speed : last) {
            if (Math.abs(speed - mean) > this.spread * mean) {
                return false;
            }
        }
        long compiling = this.compileMillis.get(size - 1) - this.compileMillis.get(size - 1 - this.windows);
        long wall = this.wallMillis.get(size - 1) - this.wallMillis.get(size - 1 - this.windows);
        return compiling <= this.quietCompilerShare * wall;
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    /** Total time the JIT compilers have spent so far, 0 where the JVM does not tell. */
    public static long compilationMillis() {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        return (compiler != null && compiler.isCompilationTimeMonitoringSupported())
                ? compiler.getTotalCompilationTime() : 0;
    }

}
