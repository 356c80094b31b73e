package dev.weir.operators.types;

import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * Type information of the pipeline's Avro records: serialized with Avro (never Kryo), and able to
 * evolve by Avro's resolution rules when they sit in state.
 */
public final class WeirTypes {

    public static final TypeInformation<Transaction> TRANSACTION =
            new AvroTypeInfo<>(Transaction.class);
    public static final TypeInformation<FeaturedTransaction> FEATURED_TRANSACTION =
            new AvroTypeInfo<>(FeaturedTransaction.class);
    public static final TypeInformation<Score> SCORE = new AvroTypeInfo<>(Score.class);
    public static final TypeInformation<DeadLetter> DEAD_LETTER =
            new AvroTypeInfo<>(DeadLetter.class);
    public static final TypeInformation<dev.weir.schemas.ModelControl> MODEL_CONTROL =
            new AvroTypeInfo<>(dev.weir.schemas.ModelControl.class);

    public static final TypeInformation<dev.weir.schemas.MonitoringRecord> MONITORING_RECORD =
            new AvroTypeInfo<>(dev.weir.schemas.MonitoringRecord.class);
    public static final TypeInformation<dev.weir.schemas.MonitoringPartial> MONITORING_PARTIAL =
            new AvroTypeInfo<>(dev.weir.schemas.MonitoringPartial.class);
    public static final TypeInformation<dev.weir.schemas.Label> LABEL =
            new AvroTypeInfo<>(dev.weir.schemas.Label.class);
    public static final TypeInformation<dev.weir.schemas.LabelOutcome> LABEL_OUTCOME =
            new AvroTypeInfo<>(dev.weir.schemas.LabelOutcome.class);
    public static final TypeInformation<dev.weir.schemas.ModelPointerRecord> MODEL_POINTER =
            new AvroTypeInfo<>(dev.weir.schemas.ModelPointerRecord.class);
    public static final TypeInformation<dev.weir.schemas.EntityFeatures> ENTITY_FEATURES =
            new AvroTypeInfo<>(dev.weir.schemas.EntityFeatures.class);

    /**
     * Transaction ids as keys of the per-transaction state (the duplicate check, the label join):
     * Flink's string serializer, written in one piece per key (and per timer) when a heap snapshot
     * writes them. The bytes are the string serializer's.
     */
    public static final TypeInformation<String> TRANSACTION_ID =
            new BufferedTypeInfo<>(org.apache.flink.api.common.typeinfo.Types.STRING);

    /** A label outcome waiting in state, written in one piece by a heap snapshot. */
    public static final TypeInformation<dev.weir.schemas.LabelOutcome> WAITING_LABEL_OUTCOME =
            new BufferedTypeInfo<>(LABEL_OUTCOME);

    private WeirTypes() {}
}
