package dev.weir.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The commit of Weir's source this code was built from: the git commit id the build stamped into
 * {@value #RESOURCE}, followed by {@code -dirty} when the working tree had uncommitted changes, or
 * {@value #UNKNOWN} for a build from a source tree without git.
 */
public final class CodeVersion {

    /** Written by the build (git-commit-id-maven-plugin, see this module's pom). */
    public static final String RESOURCE = "dev/weir/models/code-version.properties";

    public static final String UNKNOWN = "unknown";

    private static final String CURRENT = read();

    private CodeVersion() {}

    /** This build's commit id, {@code COMMIT-dirty}, or {@value #UNKNOWN}. */
    public static String current() {
        return CURRENT;
    }

    /** The version the properties describe: the form {@link #current()} returns. */
    static String of(Properties properties) {
        String commit = properties.getProperty("git.commit.id.full", "").trim();
        if (commit.isEmpty()) {
            return UNKNOWN;
        }
        return Boolean.parseBoolean(properties.getProperty("git.dirty", "false").trim())
                ? commit + "-dirty"
                : commit;
    }

    private static String read() {
        try (InputStream in = CodeVersion.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return of(properties);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
