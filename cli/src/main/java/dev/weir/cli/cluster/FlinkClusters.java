package dev.weir.cli.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.messages.webmonitor.JobDetails;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobsOverviewHeaders;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.util.ExceptionUtils;

/**
 * Any Flink cluster through Flink's own client ({@link RestClusterClient}): the job graph is built
 * here from the job jar and submitted with the jar ({@code POST /jobs}, which needs no web
 * submission), savepoints, stop and status. The client speaks TLS, with a certificate of its own
 * when the cluster requires one, from the {@code security.ssl.*} settings of the cluster's
 * configuration file and the passwords of {@link SslPasswords}.
 *
 * <pre>{@code
 * Configuration client = FlinkClusters.client("https://jm:8081", settings, System::getenv);
 * try (RestClusterClient<StandaloneClusterId> cluster = FlinkClusters.connect(client)) {
 *     JobID job = FlinkClusters.submit(cluster, jar, "dev.weir.jobs.PipelineJob", args, jobSettings, 2, null);
 * }
 * }</pre>
 */
public final class FlinkClusters {

    private FlinkClusters() {}

    /**
     * The settings of a client of the REST API at {@code rest}: the TLS settings ({@code
     * security.ssl.*}) of the cluster's configuration, the passwords from {@code env}.
     *
     * @param rest {@code host:port} or a URL; {@code https://} exactly when the settings turn TLS
     *     on for REST
     * @param clusterSettings the cluster's configuration ({@code flink-conf/<env>/config.yaml}), or
     *     none for a cluster without TLS
     * @throws IllegalArgumentException for an address without host and port, a scheme that does not
     *     match the settings, a missing password variable or a password in the settings
     */
    public static Configuration client(
            String rest, Map<String, String> clusterSettings, Function<String, String> env) {
        Configuration tls = new Configuration();
        clusterSettings.forEach(
                (key, value) -> {
                    if (key.startsWith("security.ssl.")) {
                        tls.setString(key, value);
                    }
                });
        boolean https = SecurityOptions.isRestSSLEnabled(tls);
        URI uri;
        try {
            uri = URI.create(rest.contains("://") ? rest : (https ? "https://" : "http://") + rest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--rest takes host:port or a URL, not '" + rest + "'");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(
                    "--rest takes host:port or a URL with both, not '" + rest + "'");
        }
        if (!uri.getScheme().equals(https ? "https" : "http")) {
            throw new IllegalArgumentException(
                    https
                            ? "the cluster's settings turn TLS on for its REST API: --rest"
                                    + " https://"
                                    + uri.getHost()
                                    + ":"
                                    + uri.getPort()
                            : "--rest "
                                    + rest
                                    + " needs the cluster's TLS settings: --env ENV (and"
                                    + " --flink-conf DIR) naming its config.yaml");
        }
        Configuration client = SslPasswords.forClient(tls, env);
        client.set(RestOptions.ADDRESS, uri.getHost());
        client.set(RestOptions.PORT, uri.getPort());
        // A cluster that is down is reported after a few seconds, not after Flink's minute.
        client.set(RestOptions.RETRY_MAX_ATTEMPTS, 2);
        client.set(RestOptions.RETRY_DELAY, Duration.ofSeconds(1));
        return client;
    }

    /** A client of the cluster {@code client} names; close it. */
    public static RestClusterClient<StandaloneClusterId> connect(Configuration client) {
        try {
            return new RestClusterClient<>(client, StandaloneClusterId.getInstance());
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot set up a client of the Flink REST API: " + describe(e), e);
        }
    }

    /**
     * Builds the job graph of {@code entryClass}'s main in this process and submits it with the
     * jar.
     *
     * <p>The program's classes load from this process's class path first: it runs with the job's
     * classes already (the weir launcher holds the job jar), and one copy of each class keeps the
     * job's own classes and the connectors' in agreement. {@code jar} is what the cluster runs, so
     * it must be the same build.
     *
     * @param jobSettings Flink settings of the job (checkpointing, state backend, ...)
     * @param parallelism the job's default parallelism
     * @param savepoint restore from this savepoint (every state must find its operator), or null
     */
    public static JobID submit(
            RestClusterClient<?> cluster,
            Path jar,
            String entryClass,
            List<String> args,
            Configuration jobSettings,
            int parallelism,
            String savepoint) {
        Configuration loading = new Configuration();
        loading.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        // Hadoop's shutdown hook, registered while the job's main runs, reads its configuration
        // through that thread's context class loader when this command exits: the loader is closed
        // by then, and the check would print a stack trace for a JVM that is ending anyway.
        loading.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        PackagedProgram program;
        try {
            program =
                    PackagedProgram.newBuilder()
                            .setJarFile(jar.toFile())
                            .setEntryPointClassName(entryClass)
                            .setArguments(args.toArray(String[]::new))
                            .setConfiguration(loading)
                            .setSavepointRestoreSettings(
                                    savepoint == null
                                            ? SavepointRestoreSettings.none()
                                            : SavepointRestoreSettings.forPath(savepoint, false))
                            .build();
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot load " + entryClass + " from " + jar, e);
        }
        try {
            JobGraph graph;
            try {
                graph =
                        PackagedProgramUtils.createJobGraph(
                                program, jobSettings, parallelism, false);
            } catch (Exception e) {
                // The job's own refusal (a model that does not fit, ...) says what is wrong.
                Throwable refusal =
                        ExceptionUtils.findThrowable(e, IllegalArgumentException.class)
                                .map(Throwable.class::cast)
                                .orElse(null);
                if (refusal != null) {
                    throw new IllegalArgumentException(refusal.getMessage(), e);
                }
                throw new IllegalStateException(
                        "cannot build the job graph of " + entryClass + ": " + describe(e), e);
            }
            return await("submit the job", cluster.submitJob(graph));
        } finally {
            program.close();
        }
    }

    /** Takes a savepoint and keeps the job running; returns the savepoint's path. */
    public static String savepoint(RestClusterClient<?> cluster, JobID job, String directory) {
        return await(
                "savepoint of job " + job,
                cluster.triggerSavepoint(
                        job,
                        directory,
                        org.apache.flink.core.execution.SavepointFormatType.DEFAULT));
    }

    /** Stops the job with a savepoint (no drain: it can resume from it); returns its path. */
    public static String stopWithSavepoint(
            RestClusterClient<?> cluster, JobID job, String directory) {
        return await(
                "stop of job " + job + " with a savepoint",
                cluster.stopWithSavepoint(
                        job,
                        false,
                        directory,
                        org.apache.flink.core.execution.SavepointFormatType.DEFAULT));
    }

    public static ClusterOverviewWithVersion overview(RestClusterClient<?> cluster) {
        return await("the cluster's overview", cluster.getClusterOverview());
    }

    /** Every job the cluster knows, as its dashboard lists them. */
    public static Collection<JobDetails> jobs(RestClusterClient<?> cluster) {
        return await(
                        "the cluster's jobs",
                        cluster.sendRequest(
                                JobsOverviewHeaders.getInstance(),
                                EmptyMessageParameters.getInstance(),
                                EmptyRequestBody.getInstance()))
                .getJobs();
    }

    /** The result of a request, or its failure as the cluster stated it. */
    static <T> T await(String what, Future<T> request) {
        try {
            return request.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException(what + " failed: " + describe(e), e);
        }
    }

    /**
     * A failure as a person reads it: the cluster's own error (its first line and innermost cause),
     * or the chain of causes of a failure on this side (an unreachable address, a refused
     * handshake).
     */
    static String describe(Throwable failure) {
        Throwable top =
                ExceptionUtils.stripCompletionException(
                        ExceptionUtils.stripExecutionException(failure));
        var fromCluster = ExceptionUtils.findThrowable(top, RestClientException.class);
        if (fromCluster.isPresent()) {
            return FlinkRest.plain(String.valueOf(fromCluster.get().getMessage()));
        }
        List<String> chain = new ArrayList<>();
        for (Throwable t = top; t != null; t = t.getCause()) {
            String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (chain.isEmpty() || !chain.get(chain.size() - 1).contains(text)) {
                chain.add(text);
            }
        }
        return String.join(": ", chain);
    }
}
