package dev.weir.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.iceberg.catalog.Catalog;

/**
 * The one way the end-to-end tests wait: until a fact about the pipeline's outputs holds (committed
 * records on a topic, rows in a table), polled, with a deadline that fails the test naming the
 * fact. Never a fixed pause.
 */
final class Eventually {

    private static final Duration POLL = Duration.ofMillis(300);

    private Eventually() {}

    /** Waits until {@code condition} holds. */
    static void until(String fact, Duration timeout, Callable<Boolean> condition) {
        await(fact).atMost(timeout).pollInterval(POLL).until(condition);
    }

    /**
     * Waits until a {@code read_committed} reader sees at least {@code count} records on {@code
     * topic}; returns what it saw last.
     */
    static <T extends SpecificRecord> List<T> committed(
            String bootstrap, String topic, Class<T> type, int count, Duration timeout) {
        AtomicReference<List<T>> seen = new AtomicReference<>(List.of());
        until(
                "at least %d committed records on %s".formatted(count, topic),
                timeout,
                () -> {
                    seen.set(PipelineITCase.readCommitted(bootstrap, topic, type));
                    return seen.get().size() >= count;
                });
        return seen.get();
    }

    /** Waits until the Iceberg table holds at least {@code count} rows. */
    static void rows(Catalog catalog, String namespace, String table, int count, Duration timeout) {
        until(
                "at least %d rows in %s.%s".formatted(count, namespace, table),
                timeout,
                () -> TestEnvironment.rows(catalog, namespace, table).size() >= count);
    }
}
