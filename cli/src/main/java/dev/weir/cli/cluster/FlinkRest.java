package dev.weir.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;

/**
 * The parts of Flink's REST API (the one behind the web dashboard) that submitting, upgrading and
 * watching a job need, as raw HTTP: for the tests and the local tools that read the API as the
 * dashboard does. The {@code weir} commands talk to clusters through Flink's own client ({@link
 * FlinkClusters}). Every error the cluster returns is raised with the cluster's own message.
 *
 * <pre>{@code
 * FlinkRest rest = new FlinkRest("http://127.0.0.1:8081");
 * String jar = rest.uploadJar(Path.of("jobs/target/weir-jobs-0.1.0-SNAPSHOT-job.jar"));
 * String job = rest.run(jar, "dev.weir.jobs.PipelineJob", List.of("--config", "weir.yaml"), 2, null, Map.of());
 * String savepoint = rest.stopWithSavepoint(job, "file:///tmp/savepoints");
 * }</pre>
 */
public final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http;

    public FlinkRest(String base) {
        this(base, null);
    }

    /**
     * A client of an {@code https://} REST API.
     *
     * @param tls trust (and, for a cluster that requires one, the client's certificate), e.g.
     *     Flink's {@code SSLUtils.createRestSSLContext(settings, true)}; null for plain HTTP
     */
    public FlinkRest(String base, SSLContext tls) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            http.sslContext(tls);
        }
        this.http = http.build();
    }

    /** A job as the cluster lists it. */
    public record Job(String id, String name, String state, long startTime, long durationMillis) {}

    /** Cluster overview: task managers, slots in all and free, jobs running. */
    public JsonNode overview() {
        return get("/overview");
    }

    /** Uploads a job jar; returns the id the cluster gave it. */
    public String uploadJar(Path jar) {
        String boundary = "weir-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(
                    ("--"
                                    + boundary
                                    + "\r\n"
                                    + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
                                    + jar.getFileName()
                                    + "\"\r\n"
                                    + "Content-Type: application/x-java-archive\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the job jar " + jar, e);
        }
        JsonNode answer =
                send(
                        HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = answer.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * Runs an uploaded jar; returns the job id.
     *
     * @param savepoint restore from this savepoint, or null
     * @param flinkConfiguration job-level Flink settings (checkpointing, state backend, ...)
     */
    public String run(
            String jarId,
            String entryClass,
            List<String> args,
            int parallelism,
            String savepoint,
            Map<String, String> flinkConfiguration) {
        ObjectNode request = JSON.createObjectNode();
        request.put("entryClass", entryClass);
        request.set("programArgsList", JSON.valueToTree(args));
        if (parallelism > 0) {
            request.put("parallelism", parallelism);
        }
        if (savepoint != null) {
            request.put("savepointPath", savepoint);
            request.put("allowNonRestoredState", false);
        }
        if (!flinkConfiguration.isEmpty()) {
            request.set("flinkConfiguration", JSON.valueToTree(flinkConfiguration));
        }
        return post("/jars/" + jarId + "/run", request).path("jobid").asText();
    }

    public List<Job> jobs() {
        List<Job> jobs = new ArrayList<>();
        for (JsonNode job : get("/jobs/overview").path("jobs")) {
            jobs.add(
                    new Job(
                            job.path("jid").asText(),
                            job.path("name").asText(),
                            job.path("state").asText(),
                            job.path("start-time").asLong(),
                            job.path("duration").asLong()));
        }
        return jobs;
    }

    public JsonNode job(String jobId) {
        return get("/jobs/" + jobId);
    }

    /** Takes a savepoint and keeps the job running; returns the savepoint's path. */
    public String savepoint(String jobId, String targetDirectory) {
        ObjectNode request = JSON.createObjectNode();
        request.put("target-directory", targetDirectory);
        request.put("cancel-job", false);
        String trigger =
                post("/jobs/" + jobId + "/savepoints", request).path("request-id").asText();
        return awaitSavepoint(jobId, trigger);
    }

    /**
     * Stops the job with a savepoint (no drain: the job can be resumed from it); returns its path.
     */
    public String stopWithSavepoint(String jobId, String targetDirectory) {
        ObjectNode request = JSON.createObjectNode();
        request.put("targetDirectory", targetDirectory);
        request.put("drain", false);
        String trigger = post("/jobs/" + jobId + "/stop", request).path("request-id").asText();
        return awaitSavepoint(jobId, trigger);
    }

    public void cancel(String jobId) {
        send(
                HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /** Waits until the job is in one of the states; fails at once when it failed. */
    public String awaitState(String jobId, Duration timeout, String... states) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = job(jobId).path("state").asText();
            for (String wanted : states) {
                if (wanted.equals(state)) {
                    return state;
                }
            }
            if (state.equals("FAILED")) {
                throw new IllegalStateException("job " + jobId + " failed: " + rootCause(jobId));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "job "
                                + jobId
                                + " is "
                                + state
                                + ", not "
                                + List.of(states)
                                + ", after "
                                + timeout);
            }
            Pause.millis(300);
        }
    }

    /** Waits until every task of the job runs. */
    public void awaitAllTasksRunning(String jobId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = job(jobId);
            if (job.path("state").asText().equals("FAILED")) {
                throw new IllegalStateException("job " + jobId + " failed: " + rootCause(jobId));
            }
            boolean all = job.path("vertices").size() > 0;
            for (JsonNode vertex : job.path("vertices")) {
                all &= vertex.path("status").asText().equals("RUNNING");
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                List<String> waiting = new ArrayList<>();
                for (JsonNode vertex : job.path("vertices")) {
                    if (!vertex.path("status").asText().equals("RUNNING")) {
                        waiting.add(
                                vertex.path("name").asText()
                                        + ": "
                                        + vertex.path("status").asText());
                    }
                }
                String cause = rootCause(jobId);
                throw new IllegalStateException(
                        "job "
                                + jobId
                                + " is "
                                + job.path("state").asText()
                                + ", tasks not all running after "
                                + timeout
                                + ": "
                                + waiting
                                + (cause.isEmpty() ? "" : "; last failure: " + cause));
            }
            Pause.millis(300);
        }
    }

    /** The first line of the job's root exception, as the dashboard shows it. */
    public String rootCause(String jobId) {
        JsonNode exceptions = get("/jobs/" + jobId + "/exceptions");
        String root = exceptions.path("root-exception").asText("");
        if (root.isEmpty()) {
            JsonNode history = exceptions.path("exceptionHistory").path("entries");
            root = history.size() > 0 ? history.get(0).path("stacktrace").asText("") : "";
        }
        int end = root.indexOf('\n');
        return end < 0 ? root : root.substring(0, end);
    }

    private String awaitSavepoint(String jobId, String trigger) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (status.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode operation = status.path("operation");
                if (operation.has("failure-cause")) {
                    throw new IllegalStateException(
                            "savepoint of job "
                                    + jobId
                                    + " failed: "
                                    + operation
                                            .path("failure-cause")
                                            .path("stack-trace")
                                            .asText()
                                            .lines()
                                            .findFirst()
                                            .orElse(""));
                }
                return operation.path("location").asText();
            }
            Pause.millis(300);
        }
        throw new IllegalStateException("savepoint of job " + jobId + " not done after 3 minutes");
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private JsonNode post(String path, JsonNode body) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response =
                    http.send(
                            request.timeout(Duration.ofMinutes(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Flink REST API at " + base + " is not reachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        JsonNode body;
        try {
            body =
                    response.body().isBlank()
                            ? JSON.createObjectNode()
                            : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Flink answered " + response.statusCode() + ": " + response.body());
        }
        if (response.statusCode() >= 400) {
            List<String> errors = new ArrayList<>();
            body.path("errors").forEach(e -> errors.add(plain(e.asText())));
            throw new IllegalStateException(
                    "Flink refused "
                            + request.build().method()
                            + " "
                            + request.build().uri().getPath()
                            + " ("
                            + response.statusCode()
                            + "): "
                            + String.join("; ", errors));
        }
        return body;
    }

    /**
     * A cluster error as a person reads it: the first line, then the innermost cause with the lines
     * that continue its message (Weir's configuration errors list one problem per line).
     */
    static String plain(String error) {
        List<String> lines = error.lines().toList();
        StringBuilder text = new StringBuilder(lines.isEmpty() ? "" : lines.get(0).trim());
        int cause = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("Caused by: ")) {
                cause = i;
            }
        }
        if (cause >= 0) {
            text.append("\n  cause: ").append(lines.get(cause).substring("Caused by: ".length()));
            for (int i = cause + 1;
                    i < lines.size() && !lines.get(i).trim().startsWith("at ");
                    i++) {
                text.append("\n  ").append(lines.get(i).trim());
            }
        }
        return text.toString();
    }
}
