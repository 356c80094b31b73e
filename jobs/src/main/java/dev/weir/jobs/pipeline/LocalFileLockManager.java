package dev.weir.jobs.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.LockManager;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit lock of a Hadoop catalog whose warehouse is on a local file system, exclusive across
 * processes, jobs and threads ({@code lock-impl}, set by {@link Catalogs#loader}).
 *
 * <p>Iceberg's {@code HadoopTableOperations} commits version N+1 of a table by checking that {@code
 * metadata/vN+1.metadata.json} does not exist and renaming a temporary file onto it, holding a
 * {@link LockManager} lock between the two. A local rename replaces an existing file, and the
 * default lock manager is a map in memory, one per class loader. So two writers of one table in
 * different processes ({@code weir run pipeline}, {@code weir run maintain}, {@code weir train}),
 * or in two jobs of one TaskManager (each job has its own class loader), can both pass the check
 * and rename: the second rename silently discards the first commit, rows and all. Iceberg 1.11
 * offers no lock for local files (only in-memory and DynamoDB), hence this one.
 *
 * <p>The lock is a {@link FileLock} on the hidden file {@value #LOCK_FILE} in the table's metadata
 * directory, one per table. The operating system holds it for the process and drops it when the
 * process dies, so a crash leaves no stale lock; within a JVM, the JDK lets one channel at a time
 * hold it, whatever class loader opened the channel. Iceberg's orphan-file removal skips hidden
 * files, so it never deletes the lock file.
 *
 * <p>A POSIX lock belongs to the process, and closing any descriptor of the file drops every lock
 * the process holds on it. Therefore a channel is closed only while it holds the lock (that is how
 * the lock is released; no other channel of this JVM can hold it then). A channel that did not get
 * the lock is kept open for the next attempt, never closed, as another class loader in this JVM may
 * hold the lock at that moment. What remains: a channel closed by an interrupt during its attempt,
 * or by the collection of a finished job's class loader, while another job in the same JVM holds
 * the lock, frees it for other processes until that holder releases it.
 *
 * <p>On a network file system the lock is as good as the file system's POSIX locks (NFSv4 has
 * them). HDFS needs no such lock: its rename refuses an existing target.
 */
public final class LocalFileLockManager implements LockManager {

    /** Hidden (leading dot): Iceberg's orphan-file listing skips it. */
    public static final String LOCK_FILE = ".weir-commit.lock";

    private static final Logger LOG = LoggerFactory.getLogger(LocalFileLockManager.class);

    /** A commit holds the lock for a check and a rename: milliseconds. */
    private static final long DEFAULT_ACQUIRE_INTERVAL_MS = 10;

    /** Channels that failed to get the lock; see the class comment for why they stay open. */
    private static final Map<Path, Queue<FileChannel>> IDLE = new ConcurrentHashMap<>();

    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private Duration acquireTimeout =
            Duration.ofMillis(CatalogProperties.LOCK_ACQUIRE_TIMEOUT_MS_DEFAULT);
    private Duration acquireInterval = Duration.ofMillis(DEFAULT_ACQUIRE_INTERVAL_MS);

    /** Iceberg creates lock managers by reflection, from the {@code lock-impl} class name. */
    public LocalFileLockManager() {}

    @Override
    public void initialize(Map<String, String> properties) {
        acquireTimeout =
                Duration.ofMillis(
                        PropertyUtil.propertyAsLong(
                                properties,
                                CatalogProperties.LOCK_ACQUIRE_TIMEOUT_MS,
                                CatalogProperties.LOCK_ACQUIRE_TIMEOUT_MS_DEFAULT));
        acquireInterval =
                Duration.ofMillis(
                        PropertyUtil.propertyAsLong(
                                properties,
                                CatalogProperties.LOCK_ACQUIRE_INTERVAL_MS,
                                DEFAULT_ACQUIRE_INTERVAL_MS));
    }

    /**
     * Waits up to {@code lock.acquire-timeout-ms} (3 min) for the lock of the table whose metadata
     * file {@code entityId} names. {@code false} makes Iceberg fail the commit with a {@code
     * CommitFailedException}, which its commit retries handle.
     */
    @Override
    public boolean acquire(String entityId, String ownerId) {
        Path file = lockFile(entityId);
        long deadline = System.nanoTime() + acquireTimeout.toNanos();
        FileChannel channel = null;
        try {
            channel = channel(file);
            while (true) {
                if (tryLock(channel)) {
                    held.put(entityId, new Held(ownerId, channel));
                    channel = null;
                    return true;
                }
                if (System.nanoTime() - deadline >= 0) {
                    LOG.warn("No commit lock on {} after {}", file, acquireTimeout);
                    return false;
                }
                Thread.sleep(acquireInterval.toMillis());
            }
        } catch (InterruptedException | ClosedByInterruptException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        } finally {
            if (channel != null && channel.isOpen()) {
                IDLE.computeIfAbsent(file, f -> new ConcurrentLinkedQueue<>()).add(channel);
            }
        }
    }

    @Override
    public boolean release(String entityId, String ownerId) {
        Held lock = held.get(entityId);
        if (lock == null || !lock.owner().equals(ownerId) || !held.remove(entityId, lock)) {
            return false;
        }
        try {
            lock.channel().close();
            return true;
        } catch (IOException e) {
            LOG.warn("Could not release the commit lock of {}", entityId, e);
            return false;
        }
    }

    /** Locks in use are released by their owners' {@link #release}. */
    @Override
    public void close() {}

    /** The lock file of the table a metadata file belongs to: beside it. */
    static Path lockFile(String metadataFile) {
        URI uri = new org.apache.hadoop.fs.Path(metadataFile).toUri();
        if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
            throw new IllegalArgumentException(
                    "LocalFileLockManager locks local files only, not " + metadataFile);
        }
        return Path.of(uri.getPath()).resolveSibling(LOCK_FILE);
    }

    private static FileChannel channel(Path file) throws IOException {
        Queue<FileChannel> idle = IDLE.get(file);
        for (FileChannel c = idle == null ? null : idle.poll(); c != null; c = idle.poll()) {
            if (c.isOpen()) {
                return c;
            }
        }
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static boolean tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            // Held by another channel of this JVM: another thread or another job's class loader.
            return false;
        }
    }

    private record Held(String owner, FileChannel channel) {}
}
