package dev.weir.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.ConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.junit.jupiter.api.Test;

/**
 * The TLS passwords travel from the environment into Flink's configuration, never from a file, and
 * no message shows one.
 */
class SslPasswordsTest {

    private static final Map<String, String> LIVE =
            ConfigLoader.readYaml(Path.of("..", "flink-conf", "live", "config.yaml"));
    private static final Map<String, String> ENV =
            Map.of(SslPasswords.KEYSTORE, "ks-secret", SslPasswords.TRUSTSTORE, "ts-secret");

    @Test
    void theVariablesBecomeFlinksPasswordOptionsForInternalAndRest() {
        assertThat(SslPasswords.options(ENV::get))
                .containsEntry("security.ssl.internal.keystore-password", "ks-secret")
                .containsEntry("security.ssl.internal.truststore-password", "ts-secret")
                // A PKCS12 store's key has the store's password unless told otherwise.
                .containsEntry("security.ssl.internal.key-password", "ks-secret")
                .containsEntry("security.ssl.rest.keystore-password", "ks-secret")
                .containsEntry("security.ssl.rest.truststore-password", "ts-secret")
                .containsEntry("security.ssl.rest.key-password", "ks-secret")
                .hasSize(6);
        Map<String, String> withKey = new HashMap<>(ENV);
        withKey.put(SslPasswords.KEY, "key-secret");
        assertThat(SslPasswords.options(withKey::get))
                .containsEntry("security.ssl.rest.key-password", "key-secret");
        assertThat(SslPasswords.options(name -> null)).isEmpty();

        assertThat(SslPasswords.withDynamicProperties(new String[] {"--configDir", "/c"}, ENV::get))
                .startsWith("--configDir", "/c", "-D")
                .contains("security.ssl.rest.truststore-password=ts-secret")
                .hasSize(2 + 2 * 6);
    }

    @Test
    void theLiveSettingsNeedBothVariablesAndRefuseAPasswordInTheFile() {
        Configuration live = Configuration.fromMap(LIVE);
        assertThatThrownBy(() -> SslPasswords.checkCluster(live, name -> null))
                .hasMessageContaining("WEIR_SSL_KEYSTORE_PASSWORD is not set")
                .hasMessageContaining("WEIR_SSL_TRUSTSTORE_PASSWORD is not set");
        SslPasswords.checkCluster(live, ENV::get);

        Configuration withPassword = new Configuration(live);
        withPassword.setString("security.ssl.rest.keystore-password", "in-a-file");
        assertThatThrownBy(() -> SslPasswords.checkCluster(withPassword, ENV::get))
                .hasMessageContaining("security.ssl.rest.keystore-password is in the configuration")
                .hasMessageNotContaining("in-a-file");

        Configuration client = SslPasswords.forClient(live, ENV::get);
        assertThat(
                        client.get(
                                org.apache.flink.configuration.SecurityOptions
                                        .SSL_REST_KEYSTORE_PASSWORD))
                .isEqualTo("ks-secret");
        // A client of a cluster without TLS needs nothing.
        SslPasswords.forClient(new Configuration(), name -> null);
    }

    @Test
    void theRestAddressMatchesTheClustersTls() {
        Configuration https = FlinkClusters.client("https://jm.example:8443", LIVE, ENV::get);
        assertThat(https.get(RestOptions.ADDRESS)).isEqualTo("jm.example");
        assertThat(https.get(RestOptions.PORT)).isEqualTo(8443);
        assertThat(FlinkClusters.client("jm.example:8443", LIVE, ENV::get).get(RestOptions.PORT))
                .isEqualTo(8443);
        assertThat(FlinkClusters.client("http://127.0.0.1:8081", Map.of(), name -> null).toMap())
                .doesNotContainKey("security.ssl.rest.keystore-password");

        assertThatThrownBy(() -> FlinkClusters.client("http://jm.example:8443", LIVE, ENV::get))
                .hasMessageContaining("--rest https://jm.example:8443");
        assertThatThrownBy(
                        () -> FlinkClusters.client("https://jm.example:8443", Map.of(), ENV::get))
                .hasMessageContaining("needs the cluster's TLS settings: --env ENV");
        assertThatThrownBy(() -> FlinkClusters.client("jm.example", Map.of(), ENV::get))
                .hasMessageContaining("--rest takes host:port or a URL");
    }
}
