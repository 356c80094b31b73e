package dev.weir.cli.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into a stop request instead of a JVM shutdown, so that the demo
 * can stop the job with a savepoint and print its summary while Flink, Kafka and logging are still
 * up. Shutdown hooks would race with theirs.
 */
final class StopSignals {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {}

    static void onInterrupt(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                // The signal is ignored for this process (e.g. started in the background by a
                // non-interactive shell) or reserved by the JVM: keep the default behaviour.
                LOG.info("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
    }
}
