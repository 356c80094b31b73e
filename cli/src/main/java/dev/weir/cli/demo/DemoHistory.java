package dev.weir.cli.demo;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.BootstrapJob;
import dev.weir.jobs.config.MonitoringConfig;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Transaction;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The demo starts warm: the model's customers' payments before now, as many and as frequent as
 * those it was trained on, go through the pipeline's own decoding, quality rules and governance
 * into the Iceberg {@code events} table (a BATCH job), and {@code weir bootstrap} turns them into a
 * savepoint the pipeline starts from. Its windows then hold what the training set's windows held,
 * instead of starting empty and raising drift alerts that only say so.
 */
final class DemoHistory {

    private DemoHistory() {}

    /**
     * Writes the history, ending at {@code end} (epoch ms; the live payments continue from there),
     * and bootstraps from it.
     *
     * @return the savepoint's path
     */
    static String bootstrap(
            PrintStream out,
            PipelineConfig config,
            DemoOptions options,
            int events,
            double fraudShare,
            long end)
            throws Exception {
        long start = end - (long) (events * 1000.0 / options.rate());
        long began = System.nanoTime();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        MonitoringConfig monitoring = config.monitoring();
        var history =
                env.fromSequence(0, events - 1)
                        .setParallelism(1)
                        .map(
                                new Payments(
                                        options.seed(),
                                        options.accounts(),
                                        fraudShare,
                                        start,
                                        options.rate()),
                                TypeInformation.of(RawRecord.class))
                        .setParallelism(1)
                        .name("Synthetic history")
                        .process(
                                new DecodeTransactions(monitoring.rules(), monitoring.policy()),
                                WeirTypes.TRANSACTION)
                        .name("Decode, check quality, govern");
        // The pipeline creates its tables when it starts; the history comes before it.
        Catalogs.ensureTables(Catalogs.loader(config).loadCatalog(), config);
        new KafkaIcebergSinks(config, Catalogs.loader(config)).writeEvents(history);
        env.execute("weir-demo-history");
        String savepoint =
                BootstrapJob.run(
                        config,
                        new BootstrapJob.Settings(null, null, List.of(), null, null),
                        options.runDir().resolve("savepoints").toUri().toString());
        out.printf(
                "  History: %,d payments of the same customers in the %d s before the first live"
                        + " one, written to %s.events in %s and bootstrapped into %s (%.0f s)%n",
                events,
                (end - start) / 1000,
                config.namespace(),
                config.warehouse(),
                Path.of(java.net.URI.create(savepoint)).getFileName(),
                (System.nanoTime() - began) / 1e9);
        return savepoint;
    }

    /**
     * The i-th payment of the history, encoded as a producer writes it: the model's customers
     * (population seed) paying before the demo (their own stream seed), at the demo's rate.
     */
    private static final class Payments extends RichMapFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final long seed;
        private final int accounts;
        private final double fraudShare;
        private final long start;
        private final double rate;
        private transient TransactionGenerator generator;
        private transient BinaryMessageEncoder<Transaction> encoder;

        Payments(long seed, int accounts, double fraudShare, long start, double rate) {
            this.seed = seed;
            this.accounts = accounts;
            this.fraudShare = fraudShare;
            this.start = start;
            this.rate = rate;
        }

        @Override
        public void open(OpenContext openContext) {
            generator = new TransactionGenerator(seed, seed + 2, accounts, fraudShare);
            encoder = AvroRecordSerializer.encoderFor(Transaction.class);
        }

        @Override
        public RawRecord map(Long index) throws Exception {
            // Evenly spaced as the live producer sends, so the history ends where it begins.
            long now = start + (long) (index * 1000.0 / rate);
            Transaction payment = generator.next(now).transaction();
            ByteBuffer encoded = encoder.encode(payment);
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return new RawRecord("demo-history", 0, index, now, bytes);
        }
    }
}
