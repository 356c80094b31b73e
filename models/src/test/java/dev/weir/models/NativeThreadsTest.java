package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class NativeThreadsTest {

    @BeforeAll
    static void startNd4j() {
        NativeBackend.start();
    }

    @Test
    void theOpenMpLimitHoldsForTheThreadThatSetItTheOthersForTheProcess() throws Exception {
        // OpenMP's default team is one thread per core: only then can a limit of 1 be seen.
        assumeTrue(
                Runtime.getRuntime().availableProcessors() > 1
                        && System.getenv("OMP_NUM_THREADS") == null);
        int master = Nd4j.getEnvironment().maxMasterThreads();
        int blas = Nd4j.factory().blas().getMaxThreads();
        try {
            AtomicInteger limited = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            run(
                    () -> {
                        assertThat(NativeThreads.limitCallingThread(1)).isTrue();
                        limited.set(NativeThreads.openMpThreadsOfCallingThread());
                    });
            run(() -> other.set(NativeThreads.openMpThreadsOfCallingThread()));

            assertThat(limited.get()).isEqualTo(1);
            // A thread that did not set it keeps OpenMP's default: every task thread sets its own.
            assertThat(other.get()).isGreaterThan(1);
            assertThat(Nd4j.getEnvironment().maxMasterThreads()).isEqualTo(1);
            assertThat(Nd4j.factory().blas().getMaxThreads()).isEqualTo(1);
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(master);
            Nd4j.factory().blas().setMaxThreads(blas);
        }
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> NativeThreads.limitCallingThread(0)).hasMessageContaining(">= 1");
    }

    private static void run(Runnable body) throws InterruptedException {
        Thread thread = new Thread(body);
        thread.start();
        thread.join();
    }
}
