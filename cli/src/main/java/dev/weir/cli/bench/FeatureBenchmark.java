package dev.weir.cli.bench;

import dev.weir.cli.WeirCommand;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.Aggregation;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import dev.weir.state.features.FeatureSpec;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir bench features}: throughput of the feature stage at windows of 1h, 24h, 7d and 30d
 * (default resolutions) on heap state, and at 1h, 7d and 30d on embedded RocksDB (where every event
 * reads and writes its entity's hot state, and blocks of older panes move to and from map state, so
 * a cost that grew with the window would show), beside Flink's SlidingEventTimeWindows computing
 * count and sum at 1h/1min and 24h/1min, over the same generated stream on the same local Flink;
 * the reference feature set's account stage on both backends, over the reference generator's
 * payments (its distinct counts' sketches are most of an account's hot state), and its three stages
 * chained as the pipeline chains them; and the state bytes per entity of the reference feature set,
 * hot and cold. A harness, not a test: it measures, and prints.
 */
@Command(
        name = "features",
        description = {
            "The feature engine against Flink's sliding windows.",
            "The feature stage's throughput at windows of 1h, 24h, 7d and 30d on "
                    + "heap state and at 1h, 7d and 30d on RocksDB, beside Flink's sliding "
                    + "windows, on a local Flink; the reference feature set's account stage, "
                    + "and its three stages as the pipeline chains them, on both; and the state "
                    + "bytes per entity of the reference feature set."
        })
public final class FeatureBenchmark extends WeirCommand {

    @Option(
            names = "--events",
            paramLabel = "N",
            defaultValue = "2000000",
            description = "Events per feature-stage variant.%nDefault: ${DEFAULT-VALUE}.")
    long events;

    @Option(
            names = "--keys",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Distinct entities.%nDefault: ${DEFAULT-VALUE}.")
    int keys;

    @Option(
            names = "--sliding-events",
            paramLabel = "N",
            defaultValue = "200000",
            description =
                    "Events of the sliding-window runs (a tenth of them at "
                            + "24h/1min).%nDefault: ${DEFAULT-VALUE}.")
    long slidingEvents;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "1",
            description =
                    "Runs every feature-stage variant N times, in turn, and reports each one's"
                            + " best run (other work on the machine only ever slows a run"
                            + " down).%nDefault: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(
            names = "--span",
            paramLabel = "DURATION",
            defaultValue = "60d",
            description = "Event time the events cover.%nDefault: ${DEFAULT-VALUE}.")
    Duration span;

    private static final long T0 = 1_767_225_600_000L;
    private static final String HEAP = "hashmap";
    private static final String ROCKSDB = "rocksdb";
    private static final String[] HEAP_WINDOWS = {"1h", "24h", "7d", "30d"};
    private static final String[] ROCKSDB_WINDOWS = {"1h", "7d", "30d"};

    @SuppressWarnings("unchecked")
    private static final org.apache.flink.api.common.typeinfo.TypeInformation<long[]> LONGS =
            (org.apache.flink.api.common.typeinfo.TypeInformation<long[]>)
                    org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo
                            .LONG_PRIMITIVE_ARRAY_TYPE_INFO;

    @Override
    protected void run() throws Exception {
        atLeast("--events", events, 1_000);
        atLeast("--sliding-events", slidingEvents, 1_000);
        atLeast("--keys", keys, 1);
        atLeast("--rounds", rounds, 1);
        // Sliding 24h/1min puts every event in 1440 windows: a tenth of the events keeps it in
        // minutes.
        long slidingDayEvents = Math.max(1_000, slidingEvents / 10);
        long spacing = Math.max(1, span.toMillis() / events);

        out.printf(
                "Feature stage vs SlidingEventTimeWindows: %d keys, in-order events %d ms apart (%s of event time"
                        + " for %d events), parallelism 1%n",
                keys, spacing, span, events);
        out.println(
                "Each feature-stage variant computes count, sum, mean and max of amount_minor over its window.");
        out.printf("%-46s %10s %12s %14s%n", "variant", "events", "seconds", "events/s");

        // Warm-up (JIT, class loading), not reported.
        featureStage(windowSpec("1h"), Math.min(events, 300_000), keys, spacing, HEAP);
        featureStage(windowSpec("1h"), Math.min(events, 100_000), keys, spacing, ROCKSDB);

        // Every variant once per round, in turn; each keeps its best round.
        Map<String, Double> heap = new LinkedHashMap<>();
        Map<String, Double> rocks = new LinkedHashMap<>();
        Map<String, Double> reference = new LinkedHashMap<>();
        Map<String, Double> stages = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            if (rounds > 1) {
                out.printf("round %d of %d%n", round, rounds);
            }
            for (String window : HEAP_WINDOWS) {
                heap.merge(
                        window, featureStage(out, window, events, keys, spacing, HEAP), Math::max);
            }
            for (String window : ROCKSDB_WINDOWS) {
                rocks.merge(
                        window,
                        featureStage(out, window, events, keys, spacing, ROCKSDB),
                        Math::max);
            }
            for (String backend : new String[] {HEAP, ROCKSDB}) {
                reference.merge(
                        backend, referenceStage(out, events, keys, spacing, backend), Math::max);
            }
            for (String backend : new String[] {HEAP, ROCKSDB}) {
                stages.merge(
                        backend, referenceStages(out, events, keys, spacing, backend), Math::max);
            }
        }
        if (rounds > 1) {
            out.printf("best of %d rounds%n", rounds);
            heap.forEach((window, rate) -> print(out, window, HEAP, events, rate));
            rocks.forEach((window, rate) -> print(out, window, ROCKSDB, events, rate));
            reference.forEach((backend, rate) -> printReference(out, backend, events, rate));
            stages.forEach((backend, rate) -> printStages(out, backend, events, rate));
        }
        double slide1h = slidingWindows(Duration.ofHours(1), slidingEvents, keys, spacing);
        out.printf(
                "%-46s %10d %12.1f %14.0f%n",
                "Flink sliding window 1h / 1min (count+sum)",
                slidingEvents,
                slidingEvents / slide1h,
                slide1h);
        double slide24h = slidingWindows(Duration.ofHours(24), slidingDayEvents, keys, spacing);
        out.printf(
                "%-46s %10d %12.1f %14.0f%n",
                "Flink sliding window 24h / 1min (count+sum)",
                slidingDayEvents,
                slidingDayEvents / slide24h,
                slide24h);
        out.printf(
                "%nRatios to 1h (goal: 30d >= 0.9 on heap, >= 0.8 on RocksDB): heap 7d %.2f, 30d %.2f;"
                        + " RocksDB 7d %.2f, 30d %.2f; RocksDB / heap at 1h = %.2f;"
                        + " feature stage 1h / sliding 1h/1min = %.1fx;"
                        + " feature stage 24h / sliding 24h/1min = %.1fx%n",
                heap.get("7d") / heap.get("1h"),
                heap.get("30d") / heap.get("1h"),
                rocks.get("7d") / rocks.get("1h"),
                rocks.get("30d") / rocks.get("1h"),
                rocks.get("1h") / heap.get("1h"),
                heap.get("1h") / slide1h,
                heap.get("24h") / slide24h);

        stateBytes(out);
    }

    private static EntitySpec windowSpec(String window) {
        return new EntitySpec(
                "account",
                "account_id",
                List.of(
                        FeatureSpec.of("count", Aggregation.COUNT).window(window).build(),
                        FeatureSpec.of("sum", Aggregation.SUM)
                                .field("amount_minor")
                                .window(window)
                                .build(),
                        FeatureSpec.of("mean", Aggregation.MEAN)
                                .field("amount_minor")
                                .window(window)
                                .build(),
                        FeatureSpec.of("max", Aggregation.MAX)
                                .field("amount_minor")
                                .window(window)
                                .build()),
                Duration.ofHours(1),
                null);
    }

    /** Runs one variant of the feature stage and prints its line. */
    private static double featureStage(
            PrintStream out, String window, long events, int keys, long spacing, String backend)
            throws Exception {
        EntitySpec spec = windowSpec(window);
        double rate = featureStage(spec, events, keys, spacing, backend);
        print(out, window, backend, events, rate);
        return rate;
    }

    private static void print(
            PrintStream out, String window, String backend, long events, double rate) {
        String resolution =
                dev.weir.state.features.Durations.format(
                        windowSpec(window).features().get(0).effectiveResolution());
        out.printf(
                "%-46s %10d %12.1f %14.0f%n",
                "Weir feature stage "
                        + window
                        + " (panes of "
                        + resolution
                        + ")"
                        + (backend.equals(HEAP) ? "" : ", RocksDB"),
                events,
                events / rate,
                rate);
    }

    /**
     * Runs the reference feature set's account stage (its distinct counts, moments, extrema and
     * recency features) over the reference generator's payments, and prints its line.
     */
    private static double referenceStage(
            PrintStream out, long events, int keys, long spacing, String backend) throws Exception {
        double rate =
                featureStage(
                        FeatureSets.reference().entity("account"),
                        events,
                        new Generate(keys, spacing),
                        backend);
        printReference(out, backend, events, rate);
        return rate;
    }

    private static void printReference(PrintStream out, String backend, long events, double rate) {
        printLine(out, "Weir reference account features", backend, events, rate);
    }

    private static void printStages(PrintStream out, String backend, long events, double rate) {
        printLine(out, "Weir reference features, 3 stages", backend, events, rate);
    }

    private static void printLine(
            PrintStream out, String variant, String backend, long events, double rate) {
        out.printf(
                "%-46s %10d %12.1f %14.0f%n",
                variant + (backend.equals(HEAP) ? "" : ", RocksDB"), events, events / rate, rate);
    }

    /**
     * Runs the reference feature set's three stages (account, merchant, device) as the pipeline
     * builds them ({@link FeatureStages}), over the reference generator's payments, some of them
     * without a device, and prints its line.
     */
    private static double referenceStages(
            PrintStream out, long events, int keys, long spacing, String backend) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("state.backend.type", backend);
        StreamExecutionEnvironment env = environment(conf);
        FeatureStages.apply(
                        source(env, events, new Generate(keys, spacing)),
                        FeatureSets.reference(),
                        "bench-features",
                        FeatureOrdering.ARRIVAL)
                .featured()
                .sinkTo(new DiscardingSink<>());
        double rate = rate(env.execute("bench-feature-stages"), events);
        printStages(out, backend, events, rate);
        return rate;
    }

    private static double featureStage(
            EntitySpec spec, long events, int keys, long spacing, String backend) throws Exception {
        return featureStage(spec, events, new Synthesize(keys, spacing), backend);
    }

    /**
     * Events per second through source, key-by and one feature stage, on the given state backend.
     */
    private static double featureStage(
            EntitySpec spec, long events, MapFunction<Long, Transaction> payments, String backend)
            throws Exception {
        Configuration conf = new Configuration();
        conf.setString("state.backend.type", backend);
        StreamExecutionEnvironment env = environment(conf);
        source(env, events, payments)
                .map(t -> FeatureVectors.start(t, "bench"), WeirTypes.FEATURED_TRANSACTION)
                .keyBy(f -> f.getTransaction().getAccountId(), Types.STRING)
                .process(
                        new EntityFeatureStage(spec, FeatureOrdering.ARRIVAL),
                        WeirTypes.FEATURED_TRANSACTION)
                .sinkTo(new DiscardingSink<>());
        return rate(env.execute("bench-features"), events);
    }

    /** Events per second through source, key-by and Flink's sliding event-time windows. */
    private static double slidingWindows(Duration size, long events, int keys, long spacing)
            throws Exception {
        StreamExecutionEnvironment env = environment();
        source(env, events, new Synthesize(keys, spacing))
                .keyBy(Transaction::getAccountId, Types.STRING)
                .window(SlidingEventTimeWindows.of(size, Duration.ofMinutes(1)))
                .aggregate(new CountAndSum(), LONGS, LONGS)
                .sinkTo(new DiscardingSink<>());
        return rate(env.execute("bench-sliding"), events);
    }

    private static StreamExecutionEnvironment environment() {
        return environment(new Configuration());
    }

    private static StreamExecutionEnvironment environment(Configuration conf) {
        conf.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        env.setParallelism(1);
        return env;
    }

    private static double rate(JobExecutionResult result, long events) {
        return events / (result.getNetRuntime() / 1000.0);
    }

    /** One payment per sequence number, in event-time order. */
    private static DataStream<Transaction> source(
            StreamExecutionEnvironment env, long events, MapFunction<Long, Transaction> payments) {
        return env.fromSequence(0, events - 1)
                .map(payments, WeirTypes.TRANSACTION)
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Transaction>forMonotonousTimestamps()
                                .withTimestampAssigner((t, ts) -> t.getEventTime().toEpochMilli()));
    }

    /** A cheap, deterministic transaction per sequence number: in event-time order. */
    private static final class Synthesize implements MapFunction<Long, Transaction> {
        private static final long serialVersionUID = 1L;
        private final int keys;
        private final long spacing;

        Synthesize(int keys, long spacing) {
            this.keys = keys;
            this.spacing = spacing;
        }

        @Override
        public Transaction map(Long i) {
            long mixed = i * 0x9E3779B97F4A7C15L;
            return Transaction.newBuilder()
                    .setTransactionId("b" + i)
                    .setAccountId("a" + Math.floorMod(mixed >>> 17, keys))
                    .setCardId("c")
                    .setMerchantId("m")
                    .setMerchantCategory("5411")
                    .setAmountMinor(100 + Math.floorMod(mixed >>> 40, 50_000))
                    .setCurrency("EUR")
                    .setCountry("DE")
                    .setChannel(Channel.POS)
                    .setEventTime(Instant.ofEpochMilli(T0 + i * spacing))
                    .build();
        }
    }

    /** The reference generator's payments, one per sequence number, in event-time order. */
    private static final class Generate extends RichMapFunction<Long, Transaction> {
        private static final long serialVersionUID = 1L;
        private final int keys;
        private final long spacing;
        private transient TransactionGenerator generator;

        Generate(int keys, long spacing) {
            this.keys = keys;
            this.spacing = spacing;
        }

        @Override
        public void open(OpenContext context) {
            generator = new TransactionGenerator(3, keys, 0.02);
        }

        @Override
        public Transaction map(Long i) {
            return generator.next(T0 + i * spacing).transaction();
        }
    }

    private static final class CountAndSum
            implements AggregateFunction<Transaction, long[], long[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] createAccumulator() {
            return new long[2];
        }

        @Override
        public long[] add(Transaction t, long[] acc) {
            acc[0]++;
            acc[1] += t.getAmountMinor();
            return acc;
        }

        @Override
        public long[] getResult(long[] acc) {
            return acc;
        }

        @Override
        public long[] merge(long[] a, long[] b) {
            return new long[] {a[0] + b[0], a[1] + b[1]};
        }
    }

    /** Serialized state per entity of the reference set after a synthetic day. */
    private static void stateBytes(PrintStream out) {
        FeatureSet set = FeatureSets.reference();
        FeatureSetEngine engine = new FeatureSetEngine(set, Transaction.getClassSchema());
        TransactionGenerator generator = new TransactionGenerator(3, 2_000, 0.02);
        int events = 200_000;
        long spacing = 86_400_000L / events;
        List<String> accounts = new ArrayList<>();
        List<String> merchants = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            Transaction t = generator.next(T0 + i * spacing).transaction();
            engine.update(t, t.getEventTime().toEpochMilli(), null);
            if (i >= events - 2_000) {
                accounts.add(t.getAccountId());
                merchants.add(t.getMerchantId());
                if (t.getDeviceId() != null) {
                    devices.add(t.getDeviceId());
                }
            }
        }
        out.printf(
                "%nState per entity, reference feature set (%d features), after one day of %d events over"
                        + " 2000 accounts, 800 merchants:%n",
                set.vectorNames().size(), events);
        report(out, engine, "account", accounts);
        report(out, engine, "merchant", merchants);
        report(out, engine, "device", devices);
        Map<String, Integer> counts = engine.stateCounts();
        out.printf("entities held: %s%n", counts);
    }

    private static void report(
            PrintStream out, FeatureSetEngine engine, String entity, List<String> keys) {
        long hot = 0;
        int maxHot = 0;
        long cold = 0;
        long maxCold = 0;
        List<String> distinct = keys.stream().distinct().toList();
        for (String key : distinct) {
            int bytes = engine.serializedBytes(entity, key);
            hot += bytes;
            maxHot = Math.max(maxHot, bytes);
            long coldBytes = engine.coldBytes(entity, key);
            cold += coldBytes;
            maxCold = Math.max(maxCold, coldBytes);
        }
        double n = Math.max(1, distinct.size());
        out.printf(
                "  %-9s hot (per event) mean %7.0f bytes, max %7d; cold mean %7.0f bytes, max %7d"
                        + " (over %d active entities)%n",
                entity, hot / n, maxHot, cold / n, maxCold, distinct.size());
    }
}
