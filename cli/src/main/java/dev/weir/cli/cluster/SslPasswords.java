package dev.weir.cli.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.SecurityOptions;

/**
 * The passwords of Flink's TLS key and trust stores, from environment variables. Flink reads them
 * only from its configuration, and a configuration file is no place for a secret: the Weir entry
 * points of the cluster processes ({@link JobManagerMain}, {@link TaskManagerMain}) and the {@code
 * weir} client commands add them to the configuration in the process itself.
 *
 * <ul>
 *   <li>{@value #KEYSTORE}: the key stores (internal and REST)
 *   <li>{@value #TRUSTSTORE}: the trust stores (internal and REST)
 *   <li>{@value #KEY}: the private keys; when unset, the key store's password, which is the key's
 *       in a PKCS12 store as keytool makes it
 * </ul>
 *
 * <p>Every message names an option or a variable, never a value.
 *
 * <pre>{@code
 * Configuration client = SslPasswords.forClient(settings, System::getenv);
 * }</pre>
 */
public final class SslPasswords {

    public static final String KEYSTORE = "WEIR_SSL_KEYSTORE_PASSWORD";
    public static final String TRUSTSTORE = "WEIR_SSL_TRUSTSTORE_PASSWORD";
    public static final String KEY = "WEIR_SSL_KEY_PASSWORD";

    private SslPasswords() {}

    /**
     * The password options Flink reads, each from the variable that holds it, for the variables
     * that are set; empty when none is.
     */
    public static Map<String, String> options(Function<String, String> env) {
        String keystore = env.apply(KEYSTORE);
        String truststore = env.apply(TRUSTSTORE);
        String key = env.apply(KEY) != null ? env.apply(KEY) : keystore;
        Map<String, String> options = new LinkedHashMap<>();
        put(options, SecurityOptions.SSL_INTERNAL_KEYSTORE_PASSWORD, keystore);
        put(options, SecurityOptions.SSL_INTERNAL_TRUSTSTORE_PASSWORD, truststore);
        put(options, SecurityOptions.SSL_INTERNAL_KEY_PASSWORD, key);
        put(options, SecurityOptions.SSL_REST_KEYSTORE_PASSWORD, keystore);
        put(options, SecurityOptions.SSL_REST_TRUSTSTORE_PASSWORD, truststore);
        put(options, SecurityOptions.SSL_REST_KEY_PASSWORD, key);
        return options;
    }

    /**
     * Flink's entry point arguments with the passwords added as dynamic properties ({@code -D
     * key=value}): in the process's memory only, never on its command line. Flink masks them where
     * it logs its arguments and configuration.
     */
    public static String[] withDynamicProperties(String[] args, Function<String, String> env) {
        List<String> all = new ArrayList<>(List.of(args));
        options(env)
                .forEach(
                        (key, value) -> {
                            all.add("-D");
                            all.add(key + "=" + value);
                        });
        return all.toArray(String[]::new);
    }

    /**
     * Checks what a JobManager or TaskManager with these settings needs: no password in the
     * settings, and the variables of the TLS they enable (internal: key and trust store; REST: the
     * server's key store, and the trust store that checks client certificates when they are
     * required).
     *
     * @throws IllegalArgumentException naming every missing variable and password option
     */
    public static void checkCluster(Configuration settings, Function<String, String> env) {
        List<String> needed = new ArrayList<>();
        if (SecurityOptions.isInternalSSLEnabled(settings)) {
            needed.addAll(List.of(KEYSTORE, TRUSTSTORE));
        }
        if (SecurityOptions.isRestSSLEnabled(settings)) {
            needed.add(KEYSTORE);
            if (SecurityOptions.isRestSSLAuthenticationEnabled(settings)) {
                needed.add(TRUSTSTORE);
            }
        }
        check(settings, env, needed, "the cluster's processes need it");
    }

    /**
     * A REST client's settings with the passwords added: the trust store that checks the cluster's
     * certificate, and the key store of the client's own when the cluster requires one.
     *
     * @throws IllegalArgumentException naming every missing variable and password option
     */
    public static Configuration forClient(Configuration settings, Function<String, String> env) {
        List<String> needed = new ArrayList<>();
        if (SecurityOptions.isRestSSLEnabled(settings)) {
            needed.add(TRUSTSTORE);
            if (SecurityOptions.isRestSSLAuthenticationEnabled(settings)) {
                needed.add(KEYSTORE);
            }
        }
        check(settings, env, needed, "a client of a cluster with TLS on its REST API needs it");
        Configuration client = new Configuration(settings);
        options(env).forEach(client::setString);
        return client;
    }

    private static void check(
            Configuration settings,
            Function<String, String> env,
            List<String> needed,
            String because) {
        List<String> problems = new ArrayList<>();
        for (String key : settings.keySet()) {
            if (key.startsWith("security.ssl.") && key.contains("password")) {
                problems.add(
                        key
                                + " is in the configuration: TLS passwords come from the"
                                + " environment ("
                                + String.join(", ", KEYSTORE, TRUSTSTORE, KEY)
                                + ") and never from a file; remove it");
            }
        }
        needed.stream()
                .distinct()
                .filter(variable -> env.apply(variable) == null)
                .forEach(variable -> problems.add(variable + " is not set: " + because));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    private static void put(
            Map<String, String> options, ConfigOption<String> option, String value) {
        if (value != null) {
            options.put(option.key(), value);
        }
    }
}
