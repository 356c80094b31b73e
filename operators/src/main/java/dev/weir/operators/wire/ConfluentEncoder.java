package dev.weir.operators.wire;

import dev.weir.schemas.wire.ConfluentFraming;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes records in Confluent's wire format with the id their schema has in the registry. One
 * encoder per operator instance or thread.
 */
public final class ConfluentEncoder<T extends SpecificRecord> implements RecordEncoder<T> {

    private final byte[] header;
    private final DatumWriter<T> writer;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder binary;

    /**
     * @param id the id the registry gave {@code type}'s schema
     */
    public ConfluentEncoder(Class<T> type, int id) {
        SpecificData data = SpecificData.getForClass(type);
        Schema schema = data.getSchema(type);
        this.header = ConfluentFraming.header(id);
        this.writer = new SpecificDatumWriter<>(schema, data);
    }

    @Override
    public byte[] encode(T record) throws IOException {
        buffer.reset();
        buffer.write(header);
        binary = EncoderFactory.get().directBinaryEncoder(buffer, binary);
        writer.write(record, binary);
        binary.flush();
        return buffer.toByteArray();
    }
}
