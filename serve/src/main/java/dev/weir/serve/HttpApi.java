package dev.weir.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints (JSON):
 *
 * <ul>
 *   <li>{@code GET /entities/{type}/{id}}: an entity's latest feature values;
 *   <li>{@code GET /transactions/{id}}: a transaction's decision;
 *   <li>{@code GET /accounts/{id}/decisions[?limit=N]}: an account's recent decisions;
 *   <li>{@code POST /graphql}: {@code {"query": ..., "variables": {...}, "operationName": ...}};
 *   <li>{@code GET /health}: the stores' state, without authentication (it tells nothing else).
 * </ul>
 *
 * Every other request carries {@code Authorization: Bearer <token>} when a token is set: 401
 * without it or with another. Unknown entities, transactions and accounts are 404; stores still
 * restoring are 503.
 */
final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final int REQUEST_LIMIT = 1 << 20;

    private final ObjectMapper json = new ObjectMapper();
    private final ReadModel model;
    private final GraphQlApi graphQl;
    private final byte[] token;
    private final int recent;
    private final HttpServer server;
    private final ExecutorService executor;

    HttpApi(ReadModel model, ServeSettings settings) throws IOException {
        this.model = model;
        this.recent = settings.recent();
        this.graphQl = new GraphQlApi(model, settings.recent());
        this.token =
                settings.token() == null ? null : settings.token().getBytes(StandardCharsets.UTF_8);
        this.server =
                HttpServer.create(
                        new InetSocketAddress(settings.bindAddress(), settings.port()), 0);
        this.executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The port the server listens on (the chosen one when 0 was asked for). */
    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/health")) {
                boolean running = model.state().equals("RUNNING");
                send(exchange, running ? 200 : 503, Map.of("state", model.state()));
                return;
            }
            if (!authorized(exchange)) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"weir\"");
                send(exchange, 401, error("missing or wrong bearer token"));
                return;
            }
            List<String> parts = segments(path);
            if (parts.size() == 1 && parts.get(0).equals("graphql")) {
                if (!method.equals("POST")) {
                    send(exchange, 405, error("POST a GraphQL request to /graphql"));
                    return;
                }
                graphQl(exchange);
                return;
            }
            if (!method.equals("GET")) {
                send(exchange, 405, error("only GET here"));
                return;
            }
            if (parts.size() == 3 && parts.get(0).equals("entities")) {
                found(exchange, model.entity(parts.get(1), parts.get(2)), "entity");
            } else if (parts.size() == 2 && parts.get(0).equals("transactions")) {
                found(exchange, model.transaction(parts.get(1)), "transaction");
            } else if (parts.size() == 3
                    && parts.get(0).equals("accounts")
                    && parts.get(2).equals("decisions")) {
                int limit = limit(exchange.getRequestURI().getRawQuery());
                if (limit < 1) {
                    send(exchange, 400, error("limit must be a positive number"));
                    return;
                }
                Optional<Map<String, Object>> answer =
                        model.accountDecisions(parts.get(1), limit)
                                .map(
                                        decisions -> {
                                            Map<String, Object> body = new LinkedHashMap<>();
                                            body.put("account_id", parts.get(1));
                                            body.put("decisions", decisions);
                                            return body;
                                        });
                found(exchange, answer, "account");
            } else {
                send(
                        exchange,
                        404,
                        error(
                                "no such endpoint: GET /entities/{type}/{id},"
                                        + " /transactions/{id}, /accounts/{id}/decisions,"
                                        + " POST /graphql"));
            }
        } catch (ReadModel.NotReady e) {
            send(exchange, 503, error(e.getMessage()));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("Request {} failed", exchange.getRequestURI().getRawPath(), e);
            send(exchange, 500, error("internal error"));
        } finally {
            exchange.close();
        }
    }

    private void graphQl(HttpExchange exchange) throws IOException {
        Map<String, Object> request;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(REQUEST_LIMIT + 1);
            if (body.length > REQUEST_LIMIT) {
                send(exchange, 413, error("the request is larger than 1 MiB"));
                return;
            }
            request = json.readValue(body, new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            send(exchange, 400, error("the body is not a JSON object: " + e.getOriginalMessage()));
            return;
        }
        if (!(request.get("query") instanceof String query)) {
            send(exchange, 400, error("the body has no \"query\" string"));
            return;
        }
        Object variables = request.get("variables");
        if (variables != null && !(variables instanceof Map)) {
            send(exchange, 400, error("\"variables\" must be an object"));
            return;
        }
        Object operation = request.get("operationName");
        @SuppressWarnings("unchecked")
        GraphQlApi.Answer answer =
                graphQl.execute(
                        query,
                        (Map<String, Object>) variables,
                        operation instanceof String name ? name : null);
        send(exchange, answer.status(), answer.body());
    }

    private boolean authorized(HttpExchange exchange) {
        if (token == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token);
    }

    private void found(HttpExchange exchange, Optional<?> answer, String what) throws IOException {
        if (answer.isPresent()) {
            send(exchange, 200, answer.get());
        } else {
            send(exchange, 404, error("no such " + what));
        }
    }

    private int limit(String rawQuery) {
        if (rawQuery == null) {
            return recent;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith("limit=")) {
                try {
                    return Integer.parseInt(pair.substring("limit=".length()));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return recent;
    }

    private static List<String> segments(String rawPath) {
        return java.util.Arrays.stream(rawPath.split("/"))
                .filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8))
                .toList();
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
