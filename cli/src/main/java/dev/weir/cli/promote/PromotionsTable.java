package dev.weir.cli.promote;

import dev.weir.gates.GateCheck;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.operators.iceberg.WeirTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
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
 * The Iceberg table {@value WeirTables#PROMOTIONS}: the audit trail of stage changes (accepted
 * promotions, and the ungated rollbacks and challengers), one row each, appended in a snapshot of
 * its own. A table of an earlier release gains the columns added since (old rows read them as
 * null).
 */
public final class PromotionsTable {

    private final Table table;

    private PromotionsTable(Table table) {
        this.table = table;
    }

    /** The table in {@code namespace}, created (with the namespace) when missing. */
    public static PromotionsTable open(Catalog catalog, String namespace) {
        Namespace ns = Namespace.of(namespace);
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(ns)) {
            namespaces.createNamespace(ns);
        }
        TableIdentifier id = TableIdentifier.of(ns, WeirTables.PROMOTIONS);
        if (!catalog.tableExists(id)) {
            try {
                return new PromotionsTable(
                        catalog.createTable(
                                id,
                                WeirTables.PROMOTIONS_SCHEMA,
                                PartitionSpec.unpartitioned(),
                                WeirTables.TABLE_PROPERTIES));
            } catch (org.apache.iceberg.exceptions.AlreadyExistsException createdMeanwhile) {
                return new PromotionsTable(catalog.loadTable(id));
            }
        }
        Table existing = catalog.loadTable(id);
        WeirTables.addMissingColumns(existing, WeirTables.PROMOTIONS_SCHEMA);
        existing.refresh();
        return new PromotionsTable(existing);
    }

    public String name() {
        return table.name();
    }

    /** Appends one change of stage. */
    public void append(Promotion p) {
        Types.StructType gateType =
                WeirTables.PROMOTIONS_SCHEMA
                        .findField("gates")
                        .type()
                        .asListType()
                        .elementType()
                        .asStructType();
        List<Record> gates = new ArrayList<>();
        for (GateCheck g : p.gates()) {
            GenericRecord r = GenericRecord.create(gateType);
            r.setField("gate", g.gate());
            r.setField("passed", g.passed());
            r.setField("measured", g.measured());
            r.setField("comparison", g.comparison());
            r.setField("threshold", g.threshold());
            r.setField("count", g.count());
            r.setField("detail", g.detail());
            gates.add(r);
        }
        GenericRecord row = GenericRecord.create(table.schema());
        row.setField("promoted_at", Instant.parse(p.at()).atOffset(ZoneOffset.UTC));
        row.setField("model_name", p.model());
        row.setField("model_version", p.version());
        row.setField("from_stage", p.from().label());
        row.setField("to_stage", p.to().label());
        row.setField("promoted_by", p.by());
        row.setField("forced", p.forced());
        row.setField("reason", p.reason());
        row.setField("gates", gates);
        row.setField("ungated", p.ungated());
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        OutputFileFactory files =
                OutputFileFactory.builderFor(table, 1, System.currentTimeMillis())
                        .format(FileFormat.PARQUET)
                        .build();
        DataWriter<Record> writer =
                factory.newDataWriter(files.newOutputFile(), FileFormat.PARQUET, null);
        try (writer) {
            writer.write(row);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + table.name(), e);
        }
        table.newAppend().appendFile(writer.toDataFile()).commit();
    }

    /** The changes of stage of a model, oldest first. */
    public List<Promotion> read(String model) {
        table.refresh();
        List<Promotion> all = new ArrayList<>();
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(table).where(Expressions.equal("model_name", model)).build()) {
            for (Record r : rows) {
                List<GateCheck> gates = new ArrayList<>();
                @SuppressWarnings("unchecked")
                List<Record> gateRows = (List<Record>) r.getField("gates");
                for (Record g : gateRows) {
                    gates.add(
                            new GateCheck(
                                    (String) g.getField("gate"),
                                    (Boolean) g.getField("passed"),
                                    (Double) g.getField("measured"),
                                    (String) g.getField("comparison"),
                                    (Double) g.getField("threshold"),
                                    (Long) g.getField("count"),
                                    (String) g.getField("detail")));
                }
                all.add(
                        new Promotion(
                                (String) r.getField("model_name"),
                                (String) r.getField("model_version"),
                                Stage.parse((String) r.getField("from_stage")),
                                Stage.parse((String) r.getField("to_stage")),
                                (String) r.getField("promoted_by"),
                                ((OffsetDateTime) r.getField("promoted_at")).toInstant().toString(),
                                (Boolean) r.getField("forced"),
                                (String) r.getField("reason"),
                                gates,
                                (String) r.getField("ungated")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table.name(), e);
        }
        all.sort(Comparator.comparing(p -> Instant.parse(p.at())));
        return all;
    }
}
