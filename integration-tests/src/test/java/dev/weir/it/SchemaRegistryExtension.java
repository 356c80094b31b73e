package dev.weir.it;

import dev.weir.cli.cluster.SchemaRegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real schema registry for a test class: the one named by {@value #URL_ENV} (its Confluent API,
 * e.g. a registry started by hand), or else Apicurio Registry started for the class from the jar
 * {@code schema-registry/pom.xml} builds, in a process of its own on a free port, ready when its
 * {@code /health/ready} says so, stopped after the class.
 *
 * <p>{@code @RegisterExtension static final SchemaRegistryExtension REGISTRY = new
 * SchemaRegistryExtension();}
 */
final class SchemaRegistryExtension implements BeforeAllCallback, AfterAllCallback {

    static final String URL_ENV = "WEIR_TEST_SCHEMA_REGISTRY_URL";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private SchemaRegistryServer server;
    private String url;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String given = System.getenv(URL_ENV);
        if (given != null && !given.isBlank()) {
            url = given;
            return;
        }
        Path log = Files.createTempDirectory("weir-it-registry").resolve("schema-registry.log");
        server =
                SchemaRegistryServer.start(SchemaRegistryServer.jar(), 0, null, log)
                        .awaitReady(START_TIMEOUT);
        url = server.url();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /** The Confluent Schema Registry API ({@code .../apis/ccompat/v7} on Apicurio). */
    String url() {
        return url;
    }

    /** Apicurio's own API (v2), which its serde talks to. */
    String apicurioApi() {
        if (!url.endsWith(SchemaRegistryServer.CONFLUENT_API)) {
            throw new IllegalStateException(
                    url + " is not Apicurio's Confluent API, so Apicurio's own API is unknown");
        }
        return url.substring(0, url.length() - SchemaRegistryServer.CONFLUENT_API.length())
                + "/apis/registry/v2";
    }
}
