package dev.weir.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.cli.FreePorts;
import dev.weir.cli.ServeProcess;
import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.schemas.Transaction;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code weir serve} beside a benchmark's pipeline, read as applications read it: concurrent
 * clients ask for the decision of a recent payment and for the features of its account, each
 * waiting for its answer before the next request, and the read latency of every answer (200 or 404)
 * in the measured window is recorded. Freshness is measured on a sample of the payments: from the
 * payment's event time until its decision is readable, and until its account's features are as of
 * it. A sampled payment is followed until the report, however late, so a server that lags yields
 * its lag rather than nothing.
 */
final class ServeReads implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final int RECENT = 4_096;
    private static final int MAX_SAMPLES = 2_000_000;

    /** Most sampled payments followed at once; beyond it the oldest counts as never readable. */
    private static final int MAX_FOLLOWED = 10_000;

    /**
     * Followed payments polled each round: the oldest (a lagging server makes them readable first)
     * and as many of the others in turn, so a round stays short however far the server lags.
     */
    private static final int OLDEST_PER_ROUND = 8;

    private static final int OTHERS_PER_ROUND = 8;

    private static final long POLL_MILLIS = 5;

    private final ServeProcess server;
    private final String authorization;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicReferenceArray<Transaction> recent = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Transaction> toFollow = new ConcurrentLinkedQueue<>();
    private volatile int sampleEvery = Integer.MAX_VALUE;
    private final List<Thread> threads = new ArrayList<>();

    private final long[] readNanos = new long[MAX_SAMPLES];
    private int reads;
    private final long[] decisionFreshness = new long[MAX_SAMPLES / 100];
    private int decisionsFollowed;
    private final long[] entityFreshness = new long[MAX_SAMPLES / 100];
    private int entitiesFollowed;
    private final FollowQueue<Followed> followed =
            new FollowQueue<>(MAX_FOLLOWED, OLDEST_PER_ROUND, OTHERS_PER_ROUND);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureTo = Long.MAX_VALUE;

    private ServeReads(ServeProcess server, String token) {
        this.server = server;
        this.authorization = "Bearer " + token;
    }

    /** Starts the server on the pipeline's topics and waits until it answers. */
    static ServeReads start(Path dir, String bootstrap, PipelineConfig config) throws Exception {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        int port = FreePorts.next();
        ServeProcess server =
                ServeProcess.start(
                        Path.of(System.getProperty("weir.root", ".")),
                        KafkaConnection.plain(bootstrap),
                        config,
                        new ServeProcess.Settings(
                                "weir-bench-serve",
                                dir.resolve("serve-state"),
                                "127.0.0.1",
                                port,
                                20,
                                false),
                        token,
                        dir.resolve("serve.log"));
        try {
            server.awaitReady(READY_TIMEOUT);
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException(
                    e.getMessage() + " (its log: " + dir.resolve("serve.log") + ")", e);
        }
        return new ServeReads(server, token);
    }

    /**
     * Starts {@code clients} readers and the freshness follower; only [from, to) is recorded.
     *
     * @param sampleEvery every how many payments one is followed for freshness
     */
    void startReaders(int clients, long from, long to, int sampleEvery) {
        this.sampleEvery = sampleEvery;
        measureFrom = from;
        measureTo = to;
        for (int i = 0; i < clients; i++) {
            threads.add(new Thread(this::read, "weir-bench-serve-reader-" + i));
        }
        threads.add(new Thread(this::follow, "weir-bench-serve-freshness"));
        threads.forEach(
                t -> {
                    t.setDaemon(true);
                    t.start();
                });
    }

    /** A payment was sent: readers may ask for it, and every n-th one is followed. */
    void sent(Transaction payment) {
        long n = sent.getAndIncrement();
        recent.set((int) (n % RECENT), payment);
        if (n % sampleEvery == 0) {
            toFollow.add(payment);
        }
    }

    private void read() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            long known = Math.min(sent.get(), RECENT);
            Transaction payment = known == 0 ? null : recent.get(random.nextInt((int) known));
            if (payment == null) {
                Thread.onSpinWait();
                continue;
            }
            String path =
                    random.nextBoolean()
                            ? "/transactions/" + payment.getTransactionId()
                            : "/entities/account/" + payment.getAccountId();
            long start = System.nanoTime();
            try {
                get(path);
            } catch (IOException e) {
                failures.incrementAndGet();
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long took = System.nanoTime() - start;
            long now = System.currentTimeMillis();
            if (now >= measureFrom && now < measureTo) {
                recordRead(took);
            }
        }
    }

    /**
     * Polls the followed payments until their decision and their account's features are readable,
     * until the run ends.
     */
    private void follow() {
        while (!stop.get()) {
            List<Followed> round;
            synchronized (followed) {
                for (Transaction t; (t = toFollow.poll()) != null; ) {
                    Followed oldest = followed.add(new Followed(t));
                    if (oldest != null && oldest.measured) {
                        dropped.incrementAndGet();
                    }
                }
                round = followed.round();
            }
            for (Followed f : round) {
                try {
                    if (f.poll()) {
                        synchronized (followed) {
                            followed.done(f);
                        }
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                Thread.sleep(POLL_MILLIS); // a poll interval between rounds, not a wait on a fact
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One sampled payment and what of it has become readable. */
    private final class Followed {
        private final Transaction payment;
        private final long eventTime;
        private final boolean measured;
        private boolean decisionSeen;
        private boolean entitySeen;

        Followed(Transaction payment) {
            this.payment = payment;
            this.eventTime = payment.getEventTime().toEpochMilli();
            this.measured = eventTime >= measureFrom && eventTime < measureTo;
        }

        /** Whether it is done: its decision and its account's features are readable. */
        boolean poll() throws IOException, InterruptedException {
            if (!decisionSeen && get("/transactions/" + payment.getTransactionId()) != null) {
                decisionSeen = true;
                if (measured) {
                    recordFreshness(true, System.currentTimeMillis() - eventTime);
                }
            }
            if (!entitySeen) {
                JsonNode entity = get("/entities/account/" + payment.getAccountId());
                if (entity != null
                        && !Instant.parse(entity.path("as_of").asText())
                                .isBefore(payment.getEventTime())) {
                    entitySeen = true;
                    if (measured) {
                        recordFreshness(false, System.currentTimeMillis() - eventTime);
                    }
                }
            }
            return decisionSeen && entitySeen;
        }
    }

    /** The answer's JSON, or null for 404. */
    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> answer =
                http.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                                .header("Authorization", authorization)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 404) {
            return null;
        }
        if (answer.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + answer.statusCode());
        }
        return JSON.readTree(answer.body());
    }

    private synchronized void recordRead(long nanos) {
        if (reads < readNanos.length) {
            readNanos[reads++] = nanos;
        }
    }

    private synchronized void recordFreshness(boolean decision, long millis) {
        if (decision && decisionsFollowed < decisionFreshness.length) {
            decisionFreshness[decisionsFollowed++] = millis;
        } else if (!decision && entitiesFollowed < entityFreshness.length) {
            entityFreshness[entitiesFollowed++] = millis;
        }
    }

    /** Prints read latency and freshness of the measured window. */
    synchronized void report(PrintStream out, Duration window, int clients) {
        long[] read = BenchSupport.percentiles(readNanos, reads);
        out.printf(
                Locale.ROOT,
                "weir serve: %,d reads by %d concurrent clients in %s (%,.0f/s), latency"
                        + " p50/p99/p99.9 %.2f / %.2f / %.2f ms; %d failed%n",
                reads,
                clients,
                BenchSupport.human(window),
                reads / (double) window.toSeconds(),
                read[0] / 1e6,
                read[1] / 1e6,
                read[2] / 1e6,
                failures.get());
        long open;
        synchronized (followed) {
            open = followed.open().stream().filter(f -> f.measured).count();
        }
        long[] decision = BenchSupport.percentiles(decisionFreshness, decisionsFollowed);
        long[] entity = BenchSupport.percentiles(entityFreshness, entitiesFollowed);
        out.printf(
                Locale.ROOT,
                "weir serve freshness (event time to readable, followed until the end of the run),"
                        + " 1 payment in %d: decision p50/p99 %,d / %,d ms (%d payments); account"
                        + " features as of the payment p50/p99 %,d / %,d ms (%d); %d never readable"
                        + " (%d of them dropped beyond %,d followed at once)%n",
                sampleEvery,
                decision[0],
                decision[1],
                decisionsFollowed,
                entity[0],
                entity[1],
                entitiesFollowed,
                open + dropped.get(),
                dropped.get(),
                MAX_FOLLOWED);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(5_000);
        }
        server.close();
    }
}
