package dev.weir.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.Test;

/**
 * Every schema stays BACKWARD compatible with its released version: the current schema (the reader)
 * reads what the released one (the writer) wrote, by Avro's resolution rules, which is what a
 * schema registry checks before it takes a new version under a subject with BACKWARD compatibility,
 * and what the pipeline's state needs on restore. The released versions are text copies in {@code
 * src/test/resources/released}; a change that breaks one fails the build here, before any registry
 * refuses it.
 */
class SchemaEvolutionTest {

    private static final Path CURRENT = Path.of("src", "main", "avro");
    private static final Path RELEASED = Path.of("src", "test", "resources", "released");
    private static final Path HISTORY = Path.of("src", "main", "history");

    @Test
    void everySchemaReadsWhatItsReleasedVersionsWrote() throws IOException {
        Map<String, Schema> current = current();
        Map<String, Schema> released = released(RELEASED);
        assertThat(released).as("released copies").isNotEmpty();
        assertThat(current.keySet())
                .as("a released schema is still defined (removing one breaks its readers)")
                .containsAll(released.keySet());

        List<String> broken = new ArrayList<>();
        released.forEach(
                (file, old) -> broken.addAll(incompatibilities(file, current.get(file), old)));
        // Older versions kept for the single-object decoders (ModelControl-v1.avsc).
        released(HISTORY)
                .forEach(
                        (file, old) ->
                                broken.addAll(
                                        incompatibilities(
                                                file,
                                                current.get(file.replaceAll("-v\\d+", "")),
                                                old)));
        assertThat(broken).as("changes that break BACKWARD compatibility").isEmpty();
    }

    @Test
    void theCheckRefusesWhatARegistryRefuses() throws IOException {
        Schema released = released(RELEASED).get("Score.avsc");

        Schema addedWithDefault =
                withField(
                        released,
                        "{\"name\": \"region\", \"type\": \"string\", \"default\": \"\"}");
        assertThat(incompatibilities("Score.avsc", addedWithDefault, released)).isEmpty();

        Schema addedWithoutDefault =
                withField(released, "{\"name\": \"region\", \"type\": \"string\"}");
        assertThat(incompatibilities("Score.avsc", addedWithoutDefault, released))
                .singleElement()
                .asString()
                .contains("READER_FIELD_MISSING_DEFAULT")
                .contains("region");

        String retyped =
                released.toString()
                        .replace("\"score\",\"type\":\"double\"", "\"score\",\"type\":\"string\"");
        assertThat(retyped).isNotEqualTo(released.toString());
        assertThat(incompatibilities("Score.avsc", new Schema.Parser().parse(retyped), released))
                .singleElement()
                .asString()
                .contains("TYPE_MISMATCH");
    }

    /**
     * What stops {@code reader} from reading data written with {@code writer}; empty if nothing.
     */
    private static List<String> incompatibilities(String file, Schema reader, Schema writer) {
        if (reader == null) {
            return List.of(file + ": no current schema reads it");
        }
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult()
                .getIncompatibilities()
                .stream()
                .map(
                        i ->
                                file
                                        + ": "
                                        + i.getType()
                                        + " at "
                                        + i.getLocation()
                                        + " ("
                                        + i.getMessage()
                                        + ")")
                .toList();
    }

    /** The schemas as the build compiles them, by file name; files may use each other's types. */
    private static Map<String, Schema> current() throws IOException {
        SchemaParser parser = new SchemaParser();
        Map<String, SchemaParser.ParseResult> parsed = new TreeMap<>();
        for (Path file : avsc(CURRENT)) {
            parsed.put(file.getFileName().toString(), parser.parse(file));
        }
        Map<String, Schema> schemas = new TreeMap<>();
        parsed.forEach((file, result) -> schemas.put(file, parser.resolve(result)));
        return schemas;
    }

    /** Self-contained copies, by file name, each parsed on its own. */
    private static Map<String, Schema> released(Path dir) throws IOException {
        Map<String, Schema> schemas = new TreeMap<>();
        for (Path file : avsc(dir)) {
            schemas.put(file.getFileName().toString(), new Schema.Parser().parse(file.toFile()));
        }
        return schemas;
    }

    private static List<Path> avsc(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList();
        }
    }

    private static Schema withField(Schema record, String field) {
        String json = record.toString();
        int end = json.lastIndexOf("]");
        return new Schema.Parser()
                .parse(json.substring(0, end) + "," + field + json.substring(end));
    }
}
