package dev.weir.models.testing;

import java.lang.reflect.InvocationTargetException;

/**
 * Starts S3Proxy with the access key and secret of its environment ({@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}), which S3Proxy itself only reads from system properties or its
 * properties file: this way they never appear on a command line or in a file.
 */
public final class S3ProxyMain {

    private S3ProxyMain() {}

    public static void main(String[] args) throws Throwable {
        System.setProperty("s3proxy.identity", required("AWS_ACCESS_KEY_ID"));
        System.setProperty("s3proxy.credential", required("AWS_SECRET_ACCESS_KEY"));
        try {
            Class.forName("org.gaul.s3proxy.Main")
                    .getMethod("main", String[].class)
                    .invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException(name + " is not set");
        }
        return value;
    }
}
