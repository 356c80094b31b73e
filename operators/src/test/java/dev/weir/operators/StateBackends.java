package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.function.ThrowingRunnable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The keyed state backends the operator harness tests run on: the heap ({@code hashmap}, as the dev
 * and test clusters) and embedded RocksDB with incremental checkpoints (as {@code
 * flink-conf/live}). Keyed harnesses are built here only; each one checks when it opens that its
 * operator's keyed state really is in the backend it was given, so a silent fallback to the heap
 * fails the test. RocksDB keeps its instances in a temporary directory of the harness, which
 * closing the harness deletes.
 *
 * <p>A test takes the backend as a parameter ({@code @EnumSource(StateBackends.class)}, or {@link
 * #crossedWith} beside its other parameters) and builds its harnesses with it:
 *
 * <pre>{@code
 * try (var h = backend.keyed(new KeyedProcessOperator<>(fn), Txn::getId, Types.STRING)) {
 *     h.open();
 *     ...
 *     assertThat(StateBackends.keyedStateEntries(h)).isZero();
 * }
 * }</pre>
 */
public enum StateBackends {
    HEAP(HeapKeyedStateBackend.class) {
        @Override
        public StateBackend create() {
            return new HashMapStateBackend();
        }
    },
    ROCKSDB(RocksDBKeyedStateBackend.class) {
        @Override
        public StateBackend create() {
            return new EmbeddedRocksDBStateBackend(true);
        }
    };

    private final Class<?> keyedBackend;

    StateBackends(Class<?> keyedBackend) {
        this.keyedBackend = keyedBackend;
    }

    /** A new instance of this backend, as a job would configure it. */
    public abstract StateBackend create();

    /** A keyed one-input harness on this backend; set before it is opened or restored. */
    public <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> keyed(
            OneInputStreamOperator<IN, OUT> operator,
            KeySelector<IN, K> key,
            TypeInformation<K> keyType)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, key, keyType) {
                    @Override
                    public void open() throws Exception {
                        super.open();
                        checkRunsOnThisBackend(this);
                    }

                    @Override
                    public void close() throws Exception {
                        closeAndDelete(this, super::close);
                    }
                };
        harness.setStateBackend(create());
        return harness;
    }

    /** A keyed two-input harness on this backend, both inputs keyed alike. */
    public <K, IN1, IN2, OUT> KeyedTwoInputStreamOperatorTestHarness<K, IN1, IN2, OUT> keyed(
            TwoInputStreamOperator<IN1, IN2, OUT> operator,
            KeySelector<IN1, K> key1,
            KeySelector<IN2, K> key2,
            TypeInformation<K> keyType)
            throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<K, IN1, IN2, OUT> harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(operator, key1, key2, keyType) {
                    @Override
                    public void open() throws Exception {
                        super.open();
                        checkRunsOnThisBackend(this);
                    }

                    @Override
                    public void close() throws Exception {
                        closeAndDelete(this, super::close);
                    }
                };
        harness.setStateBackend(create());
        return harness;
    }

    /** Closes a harness, then deletes its working directory even if closing failed. */
    private static void closeAndDelete(
            AbstractStreamOperatorTestHarness<?> harness, ThrowingRunnable<Exception> close)
            throws Exception {
        try {
            close.run();
        } finally {
            deleteWorkingDirectory(harness);
        }
    }

    private void checkRunsOnThisBackend(AbstractStreamOperatorTestHarness<?> harness) {
        assertThat(harness.getOperator().getKeyedStateBackend())
                .as("the keyed state backend of a harness set up on %s", this)
                .isInstanceOf(keyedBackend);
    }

    /**
     * RocksDB keeps its instances (and, once per JVM, its native library) in the task's temporary
     * working directory, one per harness under {@code java.io.tmpdir}; closing the harness deletes
     * the instances but not that directory.
     */
    private static void deleteWorkingDirectory(AbstractStreamOperatorTestHarness<?> harness)
            throws IOException {
        File directory = harness.getEnvironment().getTaskManagerInfo().getTmpWorkingDirectory();
        if (directory.exists()) {
            FileUtils.deleteDirectory(directory);
        }
    }

    /** Every backend with every one of {@code others}: arguments (backend, value) for a test. */
    public static Stream<Arguments> crossedWith(Object... others) {
        return Arrays.stream(values())
                .flatMap(b -> Arrays.stream(others).map(v -> Arguments.of(b, v)));
    }

    /**
     * The keyed state entries of the harness's operator: pairs of key and namespace holding a
     * value, summed over its states (restored ones it no longer registers included); timers are not
     * state entries. This is what the harnesses' {@code numKeyedStateEntries()} counts, which
     * supports the heap only.
     */
    public static int keyedStateEntries(AbstractStreamOperatorTestHarness<?> harness)
            throws Exception {
        KeyedStateBackend<?> backend = harness.getOperator().getKeyedStateBackend();
        if (backend instanceof HeapKeyedStateBackend<?> heap) {
            return heap.numKeyValueStateEntries();
        }
        if (backend instanceof RocksDBKeyedStateBackend<?> rocks) {
            int entries = 0;
            for (String state : keyValueStates(rocks)) {
                // A map state has a row per map key: count each key and namespace once.
                try (Stream<? extends Tuple2<?, ?>> keys = rocks.getKeysAndNamespaces(state)) {
                    entries += (int) keys.distinct().count();
                }
            }
            return entries;
        }
        throw new IllegalStateException(
                "cannot count the entries of " + backend.getClass().getName());
    }

    /**
     * The names of the key/value states (not the timer queues) the RocksDB backend holds. Flink
     * keeps them in a package-private table; this fails loudly if a Flink release renames it.
     */
    private static List<String> keyValueStates(RocksDBKeyedStateBackend<?> backend)
            throws Exception {
        Method table = RocksDBKeyedStateBackend.class.getDeclaredMethod("getKvStateInformation");
        table.setAccessible(true);
        Map<?, ?> states = (Map<?, ?>) table.invoke(backend);
        return states.values().stream()
                .map(info -> ((RocksDBKeyedStateBackend.RocksDbKvStateInfo) info).metaInfo)
                .filter(meta -> meta instanceof RegisteredKeyValueStateBackendMetaInfo)
                .map(meta -> meta.getName())
                .toList();
    }
}
