package dev.weir.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link FlinkRest#awaitAllTasksRunning} against a REST endpoint that answers as Flink's does. */
class FlinkRestTest {

    private static final String JOB = "7f3c0e5d2a9b4c1d8e6f0a1b2c3d4e5f";

    private HttpServer server;
    private FlinkRest rest;
    private final AtomicInteger jobRequests = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        rest = new FlinkRest("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void returnsOnceEveryVertexRuns() {
        answerJobWith(
                List.of(
                        job("RUNNING", "RUNNING", "DEPLOYING"),
                        job("RUNNING", "RUNNING", "INITIALIZING"),
                        job("RUNNING", "RUNNING", "RUNNING")));

        rest.awaitAllTasksRunning(JOB, Duration.ofMinutes(1));

        assertThat(jobRequests.get()).isEqualTo(3);
    }

    @Test
    void aFailedJobFailsAtOnceWithItsRootCause() {
        answerJobWith(List.of(job("FAILED", "CANCELED")));
        server.createContext(
                "/jobs/" + JOB + "/exceptions",
                exchange ->
                        respond(
                                exchange,
                                "{\"root-exception\": \"java.lang.IllegalStateException: no model in /models/fraud\\n\\tat"
                                        + " dev.weir.jobs.PipelineJob.checkModel(PipelineJob.java:1)\"}"));

        assertThatThrownBy(() -> rest.awaitAllTasksRunning(JOB, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "job "
                                + JOB
                                + " failed: java.lang.IllegalStateException: no model in /models/fraud");
        assertThat(jobRequests.get()).isEqualTo(1);
    }

    @Test
    void tasksThatDoNotAllRunInTimeAreAnError() {
        answerJobWith(List.of(job("RUNNING", "RUNNING", "DEPLOYING")));

        assertThatThrownBy(() -> rest.awaitAllTasksRunning(JOB, Duration.ofMillis(500)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "job "
                                + JOB
                                + " is RUNNING, tasks not all running after PT0.5S: [: DEPLOYING]");
    }

    /** Answers the job's requests with these bodies in turn, the last one from then on. */
    private void answerJobWith(List<String> bodies) {
        Deque<String> answers = new ArrayDeque<>(bodies);
        server.createContext(
                "/jobs/" + JOB,
                exchange -> {
                    jobRequests.incrementAndGet();
                    respond(exchange, answers.size() > 1 ? answers.poll() : answers.peek());
                });
    }

    private static String job(String state, String... vertexStatuses) {
        StringBuilder vertices = new StringBuilder();
        for (String status : vertexStatuses) {
            vertices.append(vertices.length() == 0 ? "" : ",")
                    .append("{\"status\": \"")
                    .append(status)
                    .append("\"}");
        }
        return "{\"jid\": \""
                + JOB
                + "\", \"state\": \""
                + state
                + "\", \"vertices\": ["
                + vertices
                + "]}";
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
