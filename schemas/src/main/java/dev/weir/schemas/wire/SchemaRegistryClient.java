package dev.weir.schemas.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The part of the Confluent Schema Registry REST API that Weir uses: a writer schema by id,
 * registering a schema under a subject, and a subject's compatibility rule. Any registry that
 * serves this API works (Confluent Schema Registry, Apicurio Registry's {@code /apis/ccompat/v7},
 * Karapace, Redpanda). Credentials, when the registry needs them, come from the environment
 * ({@value #USER_ENV}, {@value #PASSWORD_ENV}: HTTP basic authentication), never from the URL or a
 * file; they are not part of any message.
 *
 * <p>{@code SchemaRegistryClient.create("http://registry:8081", System::getenv).schema(42)}
 *
 * <p>Not thread-safe in its callers' sense: each operator instance builds its own in {@code
 * open()}.
 */
public final class SchemaRegistryClient {

    public static final String USER_ENV = "WEIR_SCHEMA_REGISTRY_USER";
    public static final String PASSWORD_ENV = "WEIR_SCHEMA_REGISTRY_PASSWORD";

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_MESSAGE = 300;

    private final String base;
    private final String authorization;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    private SchemaRegistryClient(String base, String authorization) {
        this.base = base;
        this.authorization = authorization;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /**
     * A client of the registry at {@code url}, with the credentials of {@code env} when it holds
     * them.
     *
     * @throws IllegalArgumentException when the URL is not http(s) or carries credentials, or when
     *     only one of the two credential variables is set
     */
    public static SchemaRegistryClient create(String url, Function<String, String> env) {
        String problem = urlProblem(url);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        String user = env.apply(USER_ENV);
        String password = env.apply(PASSWORD_ENV);
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException(
                    "schema registry credentials: set both "
                            + USER_ENV
                            + " and "
                            + PASSWORD_ENV
                            + ", or neither");
        }
        String authorization =
                user == null
                        ? null
                        : "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                (user + ":" + password)
                                                        .getBytes(StandardCharsets.UTF_8));
        return new SchemaRegistryClient(url.replaceAll("/+$", ""), authorization);
    }

    /** What is wrong with a registry URL, or null: http(s), a host, and no credentials in it. */
    public static String urlProblem(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "not a URL: " + e.getMessage();
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            return "must be an http:// or https:// URL";
        }
        if (uri.getHost() == null) {
            return "has no host";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry credentials: they come from the environment variables "
                    + USER_ENV
                    + " and "
                    + PASSWORD_ENV;
        }
        return null;
    }

    /** The writer schema registered with {@code id}. */
    public Schema schema(int id) throws SchemaRegistryException {
        JsonNode answer = send(get("/schemas/ids/" + id), "schema id " + id);
        JsonNode type = answer.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNREADABLE,
                    "schema id " + id + " is a " + type.asText() + " schema, not Avro");
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNREADABLE,
                    "the schema registry's answer for schema id " + id + " holds no schema");
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNREADABLE,
                    "schema id " + id + " is not a self-contained Avro schema: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Registers {@code schema} under {@code subject} (or finds it there) and returns its id. A
     * schema that breaks the subject's compatibility rule is refused with {@link
     * SchemaRegistryException.Kind#INCOMPATIBLE}.
     */
    public int register(String subject, Schema schema) throws SchemaRegistryException {
        JsonNode answer =
                send(
                        post(
                                "/subjects/" + segment(subject) + "/versions",
                                Map.of("schema", schema.toString())),
                        "subject " + subject);
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.REFUSED,
                    "the schema registry registered under " + subject + " but returned no id");
        }
        return id.asInt();
    }

    /** Sets the compatibility rule of {@code subject}, e.g. {@code BACKWARD}. */
    public void setCompatibility(String subject, String level) throws SchemaRegistryException {
        send(
                request("/config/" + segment(subject))
                        .PUT(body(Map.of("compatibility", level)))
                        .build(),
                "compatibility of " + subject);
    }

    /** The compatibility rule set on {@code subject} itself, or null when it has none. */
    public String compatibility(String subject) throws SchemaRegistryException {
        try {
            JsonNode answer = send(get("/config/" + segment(subject)), "subject " + subject);
            JsonNode level = answer.get("compatibilityLevel");
            return level == null ? null : level.asText();
        } catch (SchemaRegistryException e) {
            if (e.kind() == SchemaRegistryException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** Asks for the registry's global compatibility rule: fails when nothing answers there. */
    public void checkAnswers() throws SchemaRegistryException {
        send(get("/config"), "the global configuration");
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest post(String path, Map<String, String> content)
            throws SchemaRegistryException {
        return request(path).POST(body(content)).build();
    }

    private HttpRequest.BodyPublisher body(Map<String, String> content)
            throws SchemaRegistryException {
        try {
            return HttpRequest.BodyPublishers.ofString(json.writeValueAsString(content));
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.REFUSED, "cannot write a request", e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(REQUEST_TIMEOUT)
                        .header("Accept", CONTENT_TYPE + ", application/json")
                        .header("Content-Type", CONTENT_TYPE);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private JsonNode send(HttpRequest request, String what) throws SchemaRegistryException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNAVAILABLE,
                    "the schema registry at "
                            + base
                            + " did not answer ("
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + ")",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNAVAILABLE,
                    "interrupted while asking the schema registry for " + what,
                    e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            try {
                return json.readTree(response.body());
            } catch (IOException e) {
                throw new SchemaRegistryException(
                        SchemaRegistryException.Kind.REFUSED,
                        "the schema registry's answer about " + what + " is not JSON",
                        e);
            }
        }
        SchemaRegistryException.Kind kind =
                switch (status) {
                    case 404 -> SchemaRegistryException.Kind.NOT_FOUND;
                    case 409 -> SchemaRegistryException.Kind.INCOMPATIBLE;
                    default ->
                            status >= 500
                                    ? SchemaRegistryException.Kind.UNAVAILABLE
                                    : SchemaRegistryException.Kind.REFUSED;
                };
        throw new SchemaRegistryException(
                kind,
                (kind == SchemaRegistryException.Kind.NOT_FOUND
                                ? what + " is not in the schema registry"
                                : "the schema registry answered HTTP " + status + " about " + what)
                        + message(response.body()));
    }

    /** The registry's own explanation, when its answer has one. */
    private String message(String body) {
        try {
            JsonNode error = json.readTree(body);
            JsonNode message = error == null ? null : error.get("message");
            if (message != null && message.isTextual()) {
                String text = message.asText();
                return ": " + (text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) : text);
            }
        } catch (IOException notJson) {
            // No explanation to add.
        }
        return "";
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
