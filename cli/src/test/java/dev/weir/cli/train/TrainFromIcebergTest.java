package dev.weir.cli.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.IcebergRows;
import dev.weir.cli.WeirRun;
import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.ReferenceProfile;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Label;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code weir train --from-iceberg} on a small real warehouse (a local Hadoop catalog with the
 * pipeline's tables and day partitions) and labels on a real broker: the hold-out's fairness is
 * evaluated on the segment attributes of each transaction's events row, and every count of the
 * metadata's fairness section equals a count over the rows by brute force.
 */
class TrainFromIcebergTest {

    private static final int ROWS = 1_200;
    private static final long T0 = Instant.parse("2026-03-02T08:00:00Z").toEpochMilli();
    private static final List<String> COUNTRIES = List.of("US", "BR", "DE");
    private static final List<String> CHANNELS = List.of("POS", "ONLINE", "ATM");

    @TempDir Path dir;

    /** One transaction: its logged vector, its label and its segments (null: no events row). */
    private record Row(
            String id, long time, double[] vector, boolean fraud, String country, String channel) {}

    @Test
    void theHoldoutsFairnessIsCountedOnEachTransactionsSegmentsFromTheEventsTable()
            throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            broker.createTopics(2, "labels");
            Path pipelineFile = dir.resolve("pipeline.yaml");
            Files.writeString(
                    pipelineFile,
                    String.join(
                            "\n",
                            "kafka.bootstrap-servers: " + broker.bootstrapServers(),
                            "iceberg.warehouse: " + dir.resolve("warehouse"),
                            "model.dir: " + dir.resolve("model"),
                            ""));
            PipelineConfig config = ConfigLoader.load(pipelineFile, Map.of());
            Catalog catalog = Catalogs.loader(config).loadCatalog();
            WeirTables.ensure(catalog, config.namespace());
            List<String> names = config.featureSet().vectorNames();
            List<Row> rows = rows(names.size());
            write(catalog, config, rows);
            sendLabels(broker.bootstrapServers(), rows);

            // An attribute the events table lacks is a wrong argument, before anything is read.
            WeirRun unknown = train(pipelineFile, "--fairness-attributes", "country,planet");
            assertThat(unknown.code()).as(unknown.out() + unknown.err()).isEqualTo(2);
            assertThat(unknown.err())
                    .contains("--fairness-attributes: the events table has no column 'planet'");
            assertThat(
                            catalog.tableExists(
                                    TableIdentifier.of(
                                            config.namespace(), WeirTables.TRAINING_SET)))
                    .isFalse();

            WeirRun run = train(pipelineFile, "--fairness-min-count", "5");
            assertThat(run.code()).as(run.out() + run.err()).isZero();
            long withoutEvent = rows.stream().filter(r -> r.country() == null).count();
            assertThat(withoutEvent).isPositive();
            assertThat(run.out())
                    .contains(
                            "fairness segments [country, channel] from the events table ("
                                    + withoutEvent
                                    + " rows without an events row: value null)")
                    .contains("fairness on the hold-out (");

            ModelBundle model = ModelBundle.load(dir.resolve("out"));
            ModelMetadata m = model.metadata();
            long eventsSnapshot =
                    catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.EVENTS))
                            .currentSnapshot()
                            .snapshotId();
            assertThat(m.trainingSource())
                    .endsWith(", segments from weir.events@" + eventsSnapshot);
            FairnessReport report = m.fairness();
            assertThat(report).isNotNull();
            assertThat(report.dataset()).isEqualTo(FairnessReport.HOLDOUT);

            // Brute force: the hold-out is the newest rows by event time; each is scored as the
            // trainer scores it (the same normalisation, one batch) against the threshold.
            List<Row> byTime = new ArrayList<>(rows);
            byTime.sort((a, b) -> Long.compare(a.time(), b.time()));
            List<Row> holdout =
                    byTime.subList(byTime.size() - (int) m.holdoutRows(), byTime.size());
            boolean[] declined = declines(model, holdout);
            // Declines there are: the counts compared below are not all zero.
            assertThat(
                            java.util.stream.IntStream.range(0, declined.length)
                                    .filter(i -> declined[i]))
                    .isNotEmpty();
            assertThat(report.rows()).isEqualTo(holdout.size());
            assertThat(report.attributes())
                    .extracting(AttributeFairness::attribute)
                    .containsExactly("country", "channel");
            for (AttributeFairness attribute : report.attributes()) {
                Map<String, long[]> expected = new TreeMap<>();
                for (int i = 0; i < holdout.size(); i++) {
                    Row r = holdout.get(i);
                    String value =
                            attribute.attribute().equals("country") ? r.country() : r.channel();
                    value = value == null ? ReferenceProfile.Categorical.NULL : value;
                    long[] c = expected.computeIfAbsent(value, k -> new long[4]);
                    c[0]++;
                    c[1] += r.fraud() ? 1 : 0;
                    c[2] += declined[i] ? 1 : 0;
                    c[3] += declined[i] && r.fraud() ? 1 : 0;
                }
                Map<String, long[]> reported = new TreeMap<>();
                for (GroupFairness g : attribute.groups()) {
                    reported.put(
                            g.value(),
                            new long[] {
                                g.rows(), g.positives(), g.declines(), g.declinedPositives()
                            });
                }
                assertThat(reported.keySet())
                        .as(attribute.attribute())
                        .containsExactlyElementsOf(expected.keySet());
                // Transactions without an events row are the missing value.
                assertThat(reported.keySet()).contains(ReferenceProfile.Categorical.NULL);
                expected.forEach(
                        (value, counts) ->
                                assertThat(reported.get(value))
                                        .as(attribute.attribute() + "=" + value)
                                        .containsExactly(counts));
            }
            // The rows are split as the features table's vectors, none lost or doubled.
            assertThat(m.trainingRows() + m.holdoutRows()).isEqualTo(ROWS);
        }
    }

    /**
     * Transactions one second apart; fraud is three times as common from BR and shows in the first
     * feature; every 40th transaction has no events row.
     */
    private static List<Row> rows(int width) {
        Random random = new Random(11);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            String country = COUNTRIES.get(random.nextInt(10) < 6 ? 0 : 1 + random.nextInt(2));
            String channel = CHANNELS.get(random.nextInt(CHANNELS.size()));
            boolean fraud = random.nextDouble() < (country.equals("BR") ? 0.15 : 0.05);
            double[] vector = new double[width];
            for (int f = 0; f < width; f++) {
                vector[f] = random.nextGaussian() + (f == 0 && fraud ? 2.5 : 0);
            }
            boolean logged = i % 40 != 7;
            rows.add(
                    new Row(
                            "t" + i,
                            T0 + i * 1_000L,
                            vector,
                            fraud,
                            logged ? country : null,
                            logged ? channel : null));
        }
        return rows;
    }

    /** The logged vectors, the events rows, and events of transactions outside the set. */
    private static void write(Catalog catalog, PipelineConfig config, List<Row> rows) {
        Table features =
                catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.FEATURES));
        Table events = catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.EVENTS));
        List<String> names = config.featureSet().vectorNames();
        List<Record> vectors = new ArrayList<>();
        List<Record> transactions = new ArrayList<>();
        for (Row r : rows) {
            GenericRecord v = GenericRecord.create(features.schema());
            v.setField("transaction_id", r.id());
            v.setField("account_id", "a" + r.id());
            v.setField("merchant_id", "m1");
            v.setField("event_time", Instant.ofEpochMilli(r.time()).atOffset(ZoneOffset.UTC));
            v.setField("feature_set_version", config.featureSet().version());
            Map<String, Double> values = new HashMap<>();
            for (int f = 0; f < names.size(); f++) {
                values.put(names.get(f), r.vector()[f]);
            }
            v.setField("features", values);
            v.setField("warming", List.of());
            vectors.add(v);
            if (r.country() != null) {
                transactions.add(event(events, r.id(), r.time(), r.country(), r.channel()));
            }
        }
        // Other transactions, on the same day and the day before (another partition).
        for (int i = 0; i < 30; i++) {
            transactions.add(
                    event(events, "other-" + i, T0 - (i % 2) * 86_400_000L + i, "FR", "ATM"));
        }
        IcebergRows.append(features, vectors);
        IcebergRows.append(events, transactions);
    }

    private static Record event(
            Table events, String id, long time, String country, String channel) {
        GenericRecord e = GenericRecord.create(events.schema());
        e.setField("transaction_id", id);
        e.setField("account_id", "a" + id);
        e.setField("card_id", "c" + id);
        e.setField("merchant_id", "m1");
        e.setField("merchant_category", "5411");
        e.setField("amount_minor", 1_000L);
        e.setField("currency", "EUR");
        e.setField("country", country);
        e.setField("channel", channel);
        e.setField("event_time", Instant.ofEpochMilli(time).atOffset(ZoneOffset.UTC));
        return e;
    }

    /** A label for every row, ten minutes after its event, and labels nobody scored. */
    private static void sendLabels(String bootstrap, List<Row> rows) throws Exception {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            List<Label> labels = new ArrayList<>();
            for (Row r : rows) {
                labels.add(new Label(r.id(), r.fraud(), Instant.ofEpochMilli(r.time() + 600_000L)));
            }
            for (int i = 0; i < 10; i++) {
                labels.add(new Label("never-scored-" + i, true, Instant.ofEpochMilli(T0)));
            }
            for (Label label : labels) {
                producer.send(
                        new ProducerRecord<>(
                                "labels",
                                null,
                                label.getLabelTime().toEpochMilli(),
                                label.getTransactionId().getBytes(StandardCharsets.UTF_8),
                                Label.getEncoder().encode(label).array()));
            }
            producer.flush();
        }
    }

    /** Whether the model declines each row, scored in one batch as the trainer scores. */
    private static boolean[] declines(ModelBundle model, List<Row> rows) {
        ModelMetadata m = model.metadata();
        double[] means = m.featureMeans();
        double[] stds = m.featureStds();
        int width = means.length;
        float[] flat = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int f = 0; f < width; f++) {
                flat[r * width + f] = (float) ((rows.get(r).vector()[f] - means[f]) / stds[f]);
            }
        }
        INDArray out =
                model.network()
                        .output(
                                Nd4j.create(flat, new long[] {rows.size(), width}, DataType.FLOAT),
                                false);
        boolean[] declined = new boolean[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            declined[r] = out.getDouble(r, 1) >= m.threshold();
        }
        return declined;
    }

    private WeirRun train(Path pipeline, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--from-iceberg",
                                pipeline.toString(),
                                "--labels-topic",
                                "labels",
                                "--out",
                                dir.resolve("out").toString(),
                                "--epochs",
                                "3",
                                "--hidden",
                                "8"));
        args.addAll(List.of(more));
        return WeirRun.weir(args.toArray(String[]::new));
    }
}
