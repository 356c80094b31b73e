package dev.weir.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.cluster.FlinkRest;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * Facts about a running job, read from its cluster's REST API, for tests to wait on instead of
 * sleeping: completed checkpoints (after one, everything written before it is committed) and
 * operator metrics of every subtask.
 */
final class JobProgress {

    private final FlinkRest rest;
    private final String job;

    private JobProgress(FlinkRest rest, String job) {
        this.rest = rest;
        this.job = job;
    }

    /** A job on a test MiniCluster. */
    static JobProgress of(MiniClusterExtension cluster, JobID job) {
        Configuration client = cluster.getClientConfiguration();
        return of(
                "http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT),
                job);
    }

    /** A job on the cluster whose REST API is at {@code restAddress}. */
    static JobProgress of(String restAddress, JobID job) {
        return new JobProgress(new FlinkRest(restAddress), job.toHexString());
    }

    /**
     * Waits until {@code more} checkpoints complete after this call: whatever the job had written
     * by then is committed to its exactly-once sinks, so a duplicate would be visible.
     */
    void awaitCheckpoints(int more) {
        long target = completedCheckpoints() + more;
        await("%d more completed checkpoints of job %s".formatted(more, job))
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> completedCheckpoints() >= target);
    }

    /**
     * Waits until every subtask of the vertex whose name starts with {@code vertex} reports the
     * counter {@code metric} (its name under the operator, e.g. {@code weir.modelSwaps}) at {@code
     * atLeast} or more.
     */
    void awaitEverySubtask(String vertex, String metric, long atLeast) {
        await("%s of every subtask of '%s' at least %d".formatted(metric, vertex, atLeast))
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> lowestOverSubtasks(vertex, metric) >= atLeast);
    }

    /** Where the job last restored its state from (a checkpoint's path); null if it never did. */
    String restoredFrom() {
        JsonNode restored =
                rest.get("/jobs/" + job + "/checkpoints").path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull()
                ? null
                : restored.path("external_path").asText(null);
    }

    private long completedCheckpoints() {
        return rest.get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** The metric's minimum over the vertex's subtasks; -1 while it is not reported yet. */
    private double lowestOverSubtasks(String vertex, String metric) {
        String path = "/jobs/" + job + "/vertices/" + vertexId(vertex) + "/subtasks/metrics";
        String id = null;
        for (JsonNode m : rest.get(path)) {
            if (m.path("id").asText().endsWith("." + metric)) {
                id = m.path("id").asText();
            }
        }
        if (id == null) {
            return -1;
        }
        for (JsonNode m :
                rest.get(
                        path
                                + "?agg=min&get="
                                + java.net.URLEncoder.encode(
                                        id, java.nio.charset.StandardCharsets.UTF_8))) {
            return m.path("min").asDouble(-1);
        }
        return -1;
    }

    private String vertexId(String vertex) {
        for (JsonNode v : rest.job(job).path("vertices")) {
            if (v.path("name").asText().startsWith(vertex)) {
                return v.path("id").asText();
            }
        }
        throw new IllegalArgumentException("job " + job + " has no vertex named " + vertex + "...");
    }
}
