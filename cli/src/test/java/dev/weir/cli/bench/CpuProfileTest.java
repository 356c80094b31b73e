package dev.weir.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import one.profiler.AsyncProfiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuProfileTest {

    @TempDir Path dir;

    @Test
    void sumsTheSamplesByTaskThreadKindOfCodeComponentAndTopFrame() throws Exception {
        Path collapsed = dir.resolve("profile.collapsed");
        Files.write(
                collapsed,
                List.of(
                        "[Scoring -> Decisions (1/2)#0 tid=41];java/lang/Thread.run;"
                                + "dev/weir/operators/scoring/BatchScorer.score;"
                                + "org/nd4j/linalg/api/ops/executioner/DefaultOpExecutioner.exec;"
                                + "sd::ops::matmul 7",
                        "[Scoring -> Decisions (2/2)#0 tid=42];java/lang/Thread.run;"
                                + "dev/weir/operators/scoring/BatchScorer.score;"
                                + "java/util/HashMap.get 3",
                        "[kafka-producer-network-thread | producer-7 tid=50];java/lang/Thread.run;"
                                + "org/apache/kafka/common/network/Selector.poll;"
                                + "sun/nio/ch/EPoll.wait;epoll_wait;"
                                + "entry_SYSCALL_64_after_hwframe_[k];do_epoll_wait_[k] 5",
                        "[GC Thread#1 tid=9];G1ParTask::work;G1ParScanThreadState::trim_queue 4",
                        "[C2 CompilerThre tid=12];Compile::Compile;PhaseIdealLoop::build 1"));

        CpuProfile profile = CpuProfile.read(collapsed);

        assertThat(profile.samples()).isEqualTo(20);
        assertThat(profile.threads())
                .containsOnly(
                        entry("task Scoring -> Decisions", 10L),
                        entry("Kafka producers' network threads", 5L),
                        entry("garbage collector", 4L),
                        entry("JIT compilers", 1L));
        assertThat(profile.code())
                .containsOnly(
                        entry(CpuProfile.JAVA, 3L),
                        entry(CpuProfile.NATIVE, 12L),
                        entry(CpuProfile.KERNEL, 5L));
        // The first library from the top: ND4J's Java side before Weir's scorer; the JDK's map
        // only where no library is above it.
        assertThat(profile.components())
                .containsOnly(
                        entry("ND4J / DL4J (Java side)", 7L),
                        entry("Weir", 3L),
                        entry("Kafka client", 5L),
                        entry("no Java frame: garbage collector", 4L),
                        entry("no Java frame: JIT compilers", 1L));
        assertThat(profile.tops())
                .contains(
                        entry("sd::ops::matmul", 7L),
                        entry("java/util/HashMap.get", 3L),
                        entry("do_epoll_wait_[k]", 5L));
    }

    @Test
    void threadsThatAreNotTasksAreGroupedByKindOrByNameWithoutNumbers() {
        assertThat(
                        CpuProfile.threadGroup(
                                "OutputFlusher for Source: Transactions -> Decode (1/2)#0"))
                .isEqualTo("output flushers (buffer timeouts)");
        assertThat(CpuProfile.threadGroup("AsyncOperations-thread-3"))
                .isEqualTo("asynchronous parts of checkpoints");
        assertThat(CpuProfile.threadGroup("flink-pekko.actor.default-dispatcher-17"))
                .isEqualTo("flink-pekko.actor.default-dispatcher-N");
    }

    /** The format read above is the one async-profiler writes: a profile of this JVM. */
    @Test
    void readsWhatAsyncProfilerWrites() throws Exception {
        Path collapsed = dir.resolve("real.collapsed");
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        profiler.execute("start,event=cpu,interval=1ms,threads");
        AtomicBoolean done = new AtomicBoolean();
        Thread busy = new Thread(() -> spin(done), "Busy -> Work (1/2)#0");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        busy.start();
        // Until the busy thread has used half a second of CPU: about 500 samples of it.
        while (threads.getThreadCpuTime(busy.getId()) < 500_000_000L) {
            Thread.onSpinWait();
        }
        done.set(true);
        busy.join();
        profiler.execute("stop,collapsed,file=" + collapsed.toAbsolutePath());

        CpuProfile profile = CpuProfile.read(collapsed);

        assertThat(profile.threads()).containsKey("task Busy -> Work");
        assertThat(profile.threads().get("task Busy -> Work")).isGreaterThan(100L);
        assertThat(profile.components()).containsKey("Weir");
        assertThat(profile.code()).containsKey(CpuProfile.JAVA);
    }

    private static void spin(AtomicBoolean done) {
        long x = 0;
        while (!done.get()) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        if (x == 42) {
            System.out.println(x);
        }
    }
}
