package dev.weir.cli.cluster;

import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;

/**
 * Flink's standalone session JobManager ({@code StandaloneSessionClusterEntrypoint}, the same
 * arguments) with the TLS passwords of {@link SslPasswords} from the environment, handed over as
 * dynamic properties inside this process: they appear on no command line and in no file.
 */
public final class JobManagerMain {

    private JobManagerMain() {}

    public static void main(String[] args) {
        StandaloneSessionClusterEntrypoint.main(
                SslPasswords.withDynamicProperties(args, System::getenv));
    }
}
