package dev.weir.models;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Where models live: on any file system Flink reaches (a local path, {@code file://}, {@code
 * s3://}, {@code hdfs://}, ...), through Flink's {@link FileSystem}, so that every TaskManager
 * reads a model from the same place with the cluster's file system plugins and settings. A location
 * without a scheme is a local path.
 *
 * <p>{@link #write} publishes a file whole. On a local file system it writes a temporary file
 * beside the target and renames it onto the target (rename is atomic there). Elsewhere it writes
 * the target in one stream: an object store (S3 and S3-compatible stores, GCS, Azure Blob) has no
 * atomic rename, but shows an object only once its upload has completed, and a new upload replaces
 * the old object whole, so a reader sees the old content or the new, never a part.
 */
public final class Storage {

    private Storage() {}

    /** The path of a location: a URI with a scheme, or a local path (made absolute). */
    public static Path path(String location) {
        URI uri = new Path(location).toUri();
        if (uri.getScheme() == null) {
            return path(java.nio.file.Path.of(location));
        }
        return new Path(uri);
    }

    public static Path path(java.nio.file.Path local) {
        return new Path(local.toAbsolutePath().normalize().toUri());
    }

    /** How a path is written in pointers and messages: a local path plainly, else its URI. */
    public static String location(Path path) {
        return isLocal(path) ? localPath(path).toString() : path.toString();
    }

    /** Whether the path is on this machine's file system ({@code file:}). */
    public static boolean isLocal(Path path) {
        String scheme = path.toUri().getScheme();
        return scheme == null || scheme.equals("file");
    }

    /** The java.nio path of a local path. */
    public static java.nio.file.Path localPath(Path path) {
        if (!isLocal(path)) {
            throw new IllegalArgumentException(path + " is not on the local file system");
        }
        return java.nio.file.Path.of(path.toUri().getPath());
    }

    public static boolean isFile(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        if (!fs.exists(path)) {
            return false;
        }
        return !fs.getFileStatus(path).isDir();
    }

    public static byte[] read(Path path) throws IOException {
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            return in.readAllBytes();
        }
    }

    /** The entries of a directory; empty when it does not exist. */
    public static List<FileStatus> list(Path dir) throws IOException {
        FileSystem fs = dir.getFileSystem();
        FileStatus[] entries;
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            entries = fs.listStatus(dir);
        } catch (FileNotFoundException gone) {
            return List.of();
        }
        return entries == null ? List.of() : List.of(entries);
    }

    /** The names of a directory's subdirectories. */
    public static List<String> subdirectories(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus status : list(dir)) {
            if (status.isDir()) {
                names.add(status.getPath().getName());
            }
        }
        return names;
    }

    /**
     * Publishes {@code bytes} as the file {@code path}, whole (see the class comment).
     *
     * @param replace whether an existing file may be replaced; when not, an object store refuses an
     *     existing one (checked just before the upload starts, not atomically with it)
     */
    public static void write(Path path, byte[] bytes, boolean replace) throws IOException {
        FileSystem fs = path.getFileSystem();
        if (fs.isDistributedFS()) {
            try (FSDataOutputStream out =
                    fs.create(
                            path,
                            replace
                                    ? FileSystem.WriteMode.OVERWRITE
                                    : FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(bytes);
            }
            return;
        }
        if (!replace && fs.exists(path)) {
            throw new IOException(path + " exists already");
        }
        Path tmp =
                new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(bytes);
        }
        if (!fs.rename(tmp, path)) {
            fs.delete(tmp, false);
            throw new IOException("cannot rename " + tmp + " to " + path);
        }
    }
}
