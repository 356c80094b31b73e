package dev.weir.cli;

import dev.weir.operators.wire.WireFormat;
import java.util.ArrayList;
import java.util.stream.Stream;
import picocli.CommandLine.ITypeConverter;

/** {@code --format single-object|confluent}: conversion and the values completion offers. */
public final class WireFormats extends ArrayList<String> implements ITypeConverter<WireFormat> {

    private static final long serialVersionUID = 1L;

    public WireFormats() {
        super(Stream.of(WireFormat.values()).map(WireFormat::toString).toList());
    }

    @Override
    public WireFormat convert(String value) {
        return WireFormat.parse(value);
    }
}
