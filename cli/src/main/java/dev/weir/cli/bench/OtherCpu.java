package dev.weir.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used by other processes while a measurement runs, in cores: the machine's busy time minus
 * this JVM's and its child processes' (Hadoop's local file system runs shell commands for Iceberg's
 * files), sampled twice a second from /proc; where there is no /proc, the machine's load minus this
 * JVM's. On a shared machine it says which numbers to distrust.
 */
final class OtherCpu implements AutoCloseable {
    private static final Path STAT = Path.of("/proc/stat");
    private static final Path SELF = Path.of("/proc/self/stat");

    /** Clock ticks of /proc (USER_HZ), 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private final int cores = Runtime.getRuntime().availableProcessors();
    private final boolean proc = Files.isReadable(STAT) && Files.isReadable(SELF);
    private final Thread thread = new Thread(this::sample, "weir-bench-cpu");
    private volatile boolean stop;
    private double sum;
    private long samples;

    OtherCpu() {
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        long[] last = proc ? ticks() : null;
        while (!stop) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            double others;
            if (proc) {
                long[] now = ticks();
                long total = now[1] - last[1];
                long othersTicks = Math.max(0, now[0] - last[0] - (now[2] - last[2]));
                others = total <= 0 ? 0 : othersTicks * cores / (double) total;
                last = now;
            } else {
                double machine = os.getCpuLoad();
                double process = os.getProcessCpuLoad();
                if (machine < 0 || process < 0) {
                    continue;
                }
                others = Math.max(0, machine - process) * cores;
            }
            synchronized (this) {
                sum += others;
                samples++;
            }
        }
    }

    /** {machine busy, machine total, this process and its reaped children}, in clock ticks. */
    private static long[] ticks() {
        try {
            String[] cpu = Files.readAllLines(STAT).get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            for (int i = 1;
                    i <= 8 && i < cpu.length;
                    i++) { // user nice system idle iowait irq softirq steal
                long v = Long.parseLong(cpu[i]);
                total += v;
                busy += i == 4 || i == 5 ? 0 : v;
            }
            String self = Files.readString(SELF);
            String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
            long own = 0;
            for (int i = 11; i <= 14; i++) { // utime stime cutime cstime
                own += Long.parseLong(f[i]);
            }
            return new long[] {busy, total, own};
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
    }

    /** A point to measure from. */
    synchronized double[] mark() {
        return new double[] {sum, samples, ownSeconds()};
    }

    /** Average cores used by other processes since {@code mark}. */
    synchronized double since(double[] mark) {
        return samples == mark[1] ? 0 : (sum - mark[0]) / (samples - mark[1]);
    }

    /**
     * CPU seconds this JVM (broker, jobs, producer, readers) and its children used since {@code
     * mark}.
     */
    double ownSeconds(double[] mark) {
        return ownSeconds() - mark[2];
    }

    private double ownSeconds() {
        return proc ? ticks()[2] / TICKS_PER_SECOND : os.getProcessCpuTime() / 1e9;
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
    }
}
