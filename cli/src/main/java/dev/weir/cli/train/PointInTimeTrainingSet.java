package dev.weir.cli.train;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Label;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;

/**
 * A point-in-time-correct training set: each label joined to the feature vector the pipeline logged
 * for the same transaction when it scored it (the {@code features} table), so no feature carries
 * information from after its event. Reads one snapshot of the features table, writes the {@code
 * training_set} table, and says which snapshots it used; both are tagged ({@link #protect}) so that
 * snapshot expiry keeps them while the model's lineage names them. For the fairness evaluation it
 * also reads the segment attributes of each row's transaction (country, channel, ...) from one
 * snapshot of the {@code events} table, joined by transaction id; that snapshot is named in the
 * source but not tagged (the events table is the pipeline's largest).
 *
 * @param features vectors in the feature set's order
 * @param labels fraud or not
 * @param eventTimes event time of each row, for the time-based hold-out
 * @param featuresSnapshotId the features-table snapshot read
 * @param trainingSetSnapshotId the training_set snapshot written
 * @param unmatchedLabels labels with no logged vector (transaction not scored yet, or scored under
 *     other feature definitions)
 * @param segments per segment attribute asked for, the value of each row's transaction in the
 *     {@code events} table (null where the transaction has no events row); empty when none was
 *     asked for
 * @param eventsSnapshotId the events-table snapshot the segment values were read from; null when
 *     none was read
 * @param rowsWithoutEvent rows whose transaction the events snapshot does not hold
 */
public record PointInTimeTrainingSet(
        double[][] features,
        boolean[] labels,
        long[] eventTimes,
        long featuresSnapshotId,
        long trainingSetSnapshotId,
        long unmatchedLabels,
        Map<String, String[]> segments,
        Long eventsSnapshotId,
        long rowsWithoutEvent) {

    /** Builds the set from the configured catalog and the labels topic, without segments. */
    public static PointInTimeTrainingSet build(PipelineConfig config, String labelsTopic) {
        return build(config, labelsTopic, List.of());
    }

    /**
     * Builds the set from the configured catalog and the labels topic, with the values of {@code
     * segmentAttributes} (columns of the {@code events} table, such as {@code country}) for each
     * row: what the fairness evaluation segments the hold-out by.
     *
     * @throws IllegalArgumentException when the events table has no such column
     * @throws IllegalStateException when segments are asked for and the events table is missing or
     *     empty
     */
    public static PointInTimeTrainingSet build(
            PipelineConfig config, String labelsTopic, List<String> segmentAttributes) {
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        List<String> names = config.featureSet().vectorNames();
        String version = config.featureSet().version();
        // Checked before anything is read or written: a wrong attribute fails at once.
        Table eventsTable =
                segmentAttributes.isEmpty()
                        ? null
                        : eventsTable(catalog, config.namespace(), segmentAttributes);

        Table featuresTable =
                catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.FEATURES));
        if (featuresTable.currentSnapshot() == null) {
            throw new IllegalStateException("the features table is empty: run the pipeline first");
        }
        long snapshot = featuresTable.currentSnapshot().snapshotId();
        // Tagged before it is read: the current snapshot is never expired (nor the few before it),
        // and from now on the tag keeps it and its files through expiry, however old it gets.
        protect(featuresTable, snapshot);
        Map<String, Record> logged = new HashMap<>();
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(featuresTable).useSnapshot(snapshot).build()) {
            for (Record row : rows) {
                if (version.equals(row.getField("feature_set_version"))) {
                    logged.put((String) row.getField("transaction_id"), row);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        List<Record> out = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<double[]> vectors = new ArrayList<>();
        List<Boolean> outcomes = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        long unmatched = 0;
        Table trainingTable = trainingTable(catalog, config.namespace());
        for (Label label :
                readLabels(
                        dev.weir.cli.kafka.KafkaConnection.of(config),
                        labelsTopic,
                        config.schemaRegistryUrl())) {
            Record row = logged.get(label.getTransactionId());
            if (row == null) {
                unmatched++;
                continue;
            }
            Map<?, ?> values = (Map<?, ?>) row.getField("features");
            double[] vector = new double[names.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (Double) values.get(names.get(i));
            }
            OffsetDateTime eventTime = (OffsetDateTime) row.getField("event_time");
            GenericRecord record = GenericRecord.create(trainingTable.schema());
            record.setField("transaction_id", label.getTransactionId());
            record.setField("event_time", eventTime);
            record.setField("label_time", label.getLabelTime().atOffset(ZoneOffset.UTC));
            record.setField("is_fraud", label.getIsFraud());
            record.setField("feature_set_version", version);
            record.setField("features", values);
            record.setField("features_snapshot_id", snapshot);
            out.add(record);
            ids.add(label.getTransactionId());
            vectors.add(vector);
            outcomes.add(label.getIsFraud());
            times.add(eventTime.toInstant().toEpochMilli());
        }
        long written = append(trainingTable, out, snapshot);
        protect(trainingTable, written);
        boolean[] labels = new boolean[outcomes.size()];
        long[] eventTimes = new long[times.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = outcomes.get(i);
            eventTimes[i] = times.get(i);
        }
        Map<String, String[]> segments = new java.util.LinkedHashMap<>();
        Long eventsSnapshot = null;
        long withoutEvent = 0;
        if (eventsTable != null) {
            eventsSnapshot = eventsTable.currentSnapshot().snapshotId();
            withoutEvent =
                    readSegments(
                            eventsTable,
                            eventsSnapshot,
                            segmentAttributes,
                            ids,
                            eventTimes,
                            segments);
        }
        return new PointInTimeTrainingSet(
                vectors.toArray(new double[0][]),
                labels,
                eventTimes,
                snapshot,
                written,
                unmatched,
                segments,
                eventsSnapshot,
                withoutEvent);
    }

    /** The events table, checked to have every segment attribute as a column, and rows. */
    private static Table eventsTable(Catalog catalog, String namespace, List<String> attributes) {
        TableIdentifier id = TableIdentifier.of(namespace, WeirTables.EVENTS);
        String without = " (--fairness-attributes none trains without the fairness section)";
        if (!catalog.tableExists(id)) {
            throw new IllegalStateException(
                    "no table "
                            + id
                            + " to read the fairness segments "
                            + attributes
                            + " from"
                            + without);
        }
        Table table = catalog.loadTable(id);
        for (String attribute : attributes) {
            if (table.schema().findField(attribute) == null) {
                throw new IllegalArgumentException(
                        "the events table has no column '"
                                + attribute
                                + "' (columns: "
                                + table.schema().columns().stream()
                                        .map(Types.NestedField::name)
                                        .collect(java.util.stream.Collectors.joining(", "))
                                + ")");
            }
        }
        if (table.currentSnapshot() == null) {
            throw new IllegalStateException(
                    "the events table is empty: no fairness segments " + attributes + without);
        }
        return table;
    }

    /**
     * Fills {@code segments} with each row's value of each attribute, read from one snapshot of the
     * events table by transaction id: only the attributes' columns, and only the days of the rows'
     * event times (the table is partitioned by day). A transaction without an events row has null
     * values (the fairness evaluation's missing value).
     *
     * @return rows whose transaction has no events row
     */
    private static long readSegments(
            Table events,
            long snapshot,
            List<String> attributes,
            List<String> ids,
            long[] eventTimes,
            Map<String, String[]> segments) {
        Map<String, Integer> rowOf = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            rowOf.put(ids.get(i), i);
        }
        for (String attribute : attributes) {
            segments.put(attribute, new String[ids.size()]);
        }
        if (ids.isEmpty()) {
            return 0;
        }
        // A transaction's events row and its logged vector share its event time.
        long min = java.util.Arrays.stream(eventTimes).min().orElseThrow();
        long max = java.util.Arrays.stream(eventTimes).max().orElseThrow();
        List<String> columns = new ArrayList<>(List.of("transaction_id"));
        columns.addAll(attributes);
        boolean[] found = new boolean[ids.size()];
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(events)
                        .useSnapshot(snapshot)
                        .select(columns)
                        .where(
                                Expressions.and(
                                        Expressions.greaterThanOrEqual("event_time", min * 1000L),
                                        Expressions.lessThanOrEqual("event_time", max * 1000L)))
                        .build()) {
            for (Record row : rows) {
                Integer i = rowOf.get((String) row.getField("transaction_id"));
                if (i == null) {
                    continue;
                }
                found[i] = true;
                for (String attribute : attributes) {
                    Object value = row.getField(attribute);
                    segments.get(attribute)[i] = value == null ? null : value.toString();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long missing = 0;
        for (boolean f : found) {
            missing += f ? 0 : 1;
        }
        return missing;
    }

    /**
     * "weir.training_set@S from weir.features@F", and ", segments from weir.events@E" when segment
     * values were read, for the model's metadata.
     */
    public String source(String namespace) {
        String segmentsFrom =
                eventsSnapshotId == null
                        ? ""
                        : ", segments from "
                                + namespace
                                + "."
                                + WeirTables.EVENTS
                                + "@"
                                + eventsSnapshotId;
        return namespace
                + "."
                + WeirTables.TRAINING_SET
                + "@"
                + trainingSetSnapshotId
                + " from "
                + namespace
                + "."
                + WeirTables.FEATURES
                + "@"
                + featuresSnapshotId
                + segmentsFrom;
    }

    /** The tag that keeps a snapshot a model was trained on: {@code training-<snapshot id>}. */
    public static String lineageTag(long snapshotId) {
        return "training-" + snapshotId;
    }

    /**
     * Keeps a snapshot a model is trained on readable for as long as the model's lineage names it:
     * tags it with {@link #lineageTag}, and snapshot expiry keeps every snapshot a tag references,
     * with its files. Delete the tag ({@code table.manageSnapshots().removeTag(name)}) to let a
     * retired model's data go. Trained on the same snapshot again: the tag is there already.
     */
    public static void protect(Table table, long snapshotId) {
        String tag = lineageTag(snapshotId);
        if (table.refs().containsKey(tag)) {
            return;
        }
        try {
            table.manageSnapshots().createTag(tag, snapshotId).commit();
        } catch (IllegalArgumentException e) {
            // Created meanwhile by another training on the same snapshot.
            table.refresh();
            SnapshotRef existing = table.refs().get(tag);
            if (existing == null || existing.snapshotId() != snapshotId) {
                throw e;
            }
        }
    }

    private static Table trainingTable(Catalog catalog, String namespace) {
        TableIdentifier id = TableIdentifier.of(namespace, WeirTables.TRAINING_SET);
        if (!catalog.tableExists(id)) {
            return catalog.createTable(
                    id,
                    WeirTables.TRAINING_SET_SCHEMA,
                    PartitionSpec.unpartitioned(),
                    Map.of("format-version", "2"));
        }
        return catalog.loadTable(id);
    }

    /** Appends the rows in one Parquet file and one snapshot; returns the snapshot id. */
    private static long append(Table table, List<Record> rows, long featuresSnapshot) {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        OutputFileFactory files =
                OutputFileFactory.builderFor(table, 1, System.currentTimeMillis())
                        .format(FileFormat.PARQUET)
                        .build();
        DataWriter<Record> writer =
                factory.newDataWriter(files.newOutputFile(), FileFormat.PARQUET, null);
        try (writer) {
            for (Record row : rows) {
                writer.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        table.newAppend()
                .appendFile(writer.toDataFile())
                .set("weir.features-snapshot-id", Long.toString(featuresSnapshot))
                .commit();
        return table.currentSnapshot().snapshotId();
    }

    /**
     * Every committed label in the topic, in either wire format (Confluent's with the writer
     * schemas of {@code registryUrl}); the latest label of a transaction wins.
     */
    static List<Label> readLabels(
            dev.weir.cli.kafka.KafkaConnection kafka, String topic, String registryUrl) {
        dev.weir.cli.kafka.WeirRecordDecoder decoder =
                new dev.weir.cli.kafka.WeirRecordDecoder(registryUrl, System::getenv);
        Map<String, Label> latest = new java.util.LinkedHashMap<>();
        dev.weir.cli.kafka.KafkaClients.readToEnd(
                kafka,
                topic,
                Duration.ofMinutes(2),
                record -> {
                    try {
                        if (decoder.decode(record.value()) instanceof Label label) {
                            latest.put(label.getTransactionId(), label);
                        }
                    } catch (Exception e) {
                        // A label that does not decode cannot be used: skipped.
                    }
                });
        return new ArrayList<>(latest.values());
    }
}
