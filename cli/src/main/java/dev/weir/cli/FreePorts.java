package dev.weir.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers started with a port number (a JobManager's REST endpoint, a Kafka broker, the
 * schema registry, the read API), picked below the kernel's ephemeral range. A port taken by
 * binding port 0 comes from that range, where every outgoing connection on the machine (Kafka
 * clients, HTTP clients) also takes its local port: between closing the probing socket and the
 * server binding the port, a connection took it once and a JobManager failed with a {@link
 * BindException}. Below the range only servers that ask for a port by number can take it.
 */
public final class FreePorts {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** Linux's default start of the ephemeral range, where the kernel does not say. */
    private static final int DEFAULT_EPHEMERAL_START = 32_768;

    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 200;

    private FreePorts() {}

    /** A port nothing listens on now, below the ephemeral range. */
    public static int next() throws IOException {
        int below = ephemeralStart();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (BindException taken) {
                // Try another.
            }
        }
        throw new IOException(
                "no free port found in " + ATTEMPTS + " tries between " + LOWEST + " and " + below);
    }

    private static int ephemeralStart() throws IOException {
        if (!Files.isReadable(EPHEMERAL_RANGE)) {
            return DEFAULT_EPHEMERAL_START;
        }
        int start = Integer.parseInt(Files.readString(EPHEMERAL_RANGE).trim().split("\\s+")[0]);
        return start > LOWEST + 1_000 ? start : DEFAULT_EPHEMERAL_START;
    }
}
