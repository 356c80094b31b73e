package dev.weir.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit lock of a local Hadoop catalog, across processes and within one. Without a lock shared
 * by the processes, two of them can write the same metadata version and the later rename silently
 * replaces the earlier commit: with Iceberg's default lock, two processes making 100 appends each
 * as here once left 199 in the table, both having reported every commit done.
 */
class LocalFileLockManagerTest {

    private static final int COMMITS_PER_PROCESS = 30;

    @TempDir Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void twoProcessesCommittingToOneTableKeepEveryCommit() throws Exception {
        Path warehouse = dir.resolve("warehouse");
        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers", "127.0.0.1:9",
                                "iceberg.warehouse", warehouse.toString(),
                                "model.dir", dir.resolve("model").toString()));
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of(config.namespace()));
        TableIdentifier id = TableIdentifier.of(config.namespace(), "contended");
        catalog.createTable(
                id,
                new Schema(Types.NestedField.required(1, "id", Types.LongType.get())),
                PartitionSpec.unpartitioned(),
                // A commit that lost the race retries on the new version until it gets through.
                Map.of(
                        TableProperties.COMMIT_NUM_RETRIES, "1000",
                        TableProperties.COMMIT_MIN_RETRY_WAIT_MS, "1",
                        TableProperties.COMMIT_MAX_RETRY_WAIT_MS, "20"));

        Path go = dir.resolve("go");
        List<Path> outputs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            Path out = dir.resolve(name + ".out");
            outputs.add(out);
            java(
                    out,
                    ConcurrentAppends.class,
                    warehouse.toString(),
                    id.name(),
                    name,
                    String.valueOf(COMMITS_PER_PROCESS),
                    go.toString());
        }
        for (Path out : outputs) {
            await("process ready: " + out)
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> output(out).contains("ready"));
        }
        Files.createFile(go);
        for (int i = 0; i < outputs.size(); i++) {
            Process p = processes.get(i);
            assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(output(outputs.get(i))).isTrue();
            assertThat(p.exitValue()).as(output(outputs.get(i))).isZero();
            assertThat(output(outputs.get(i))).contains("committed " + COMMITS_PER_PROCESS);
        }

        Table table = catalog.loadTable(id);
        assertThat(table.snapshots()).hasSize(2 * COMMITS_PER_PROCESS);
        assertThat(table.currentSnapshot().summary())
                .containsEntry(
                        SnapshotSummary.TOTAL_DATA_FILES_PROP,
                        String.valueOf(2 * COMMITS_PER_PROCESS));
        // The commits went through the lock (Catalogs.loader set it for the local warehouse).
        assertThat(Path.of(table.location(), "metadata", LocalFileLockManager.LOCK_FILE)).exists();
    }

    @Test
    void anotherProcessHoldsTheLockUntilItDies() throws Exception {
        Path metadata = Files.createDirectories(dir.resolve("ns/table/metadata"));
        String v2 = metadata.resolve("v2.metadata.json").toString();
        Path out = dir.resolve("holder.out");
        Process holder = java(out, HoldCommitLock.class, v2);
        await("the other process holds the lock")
                .atMost(Duration.ofMinutes(1))
                .until(() -> output(out).contains("held") || !holder.isAlive());
        assertThat(output(out)).contains("held");

        LocalFileLockManager manager = manager();
        assertThat(manager.acquire(v2, "me")).isFalse();
        // Killed while holding it: the operating system drops the lock, none is left stale.
        holder.destroyForcibly();
        assertThat(holder.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(manager.acquire(v2, "me")).isTrue();
        assertThat(manager.release(v2, "me")).isTrue();
    }

    @Test
    void oneHolderAtATimePerTableWithinAJvm() throws Exception {
        Path metadata = Files.createDirectories(dir.resolve("ns/table/metadata"));
        String v2 = metadata.resolve("v2.metadata.json").toString();
        String v3 = "file:" + metadata.resolve("v3.metadata.json");
        LocalFileLockManager first = manager();
        LocalFileLockManager second = manager();

        assertThat(first.acquire(v2, "first")).isTrue();
        assertThat(second.acquire(v2, "second")).isFalse();
        // One lock per table: the next version is the same lock.
        assertThat(second.acquire(v3, "second")).isFalse();
        assertThat(second.release(v2, "second")).isFalse();
        assertThat(first.release(v2, "another owner")).isFalse();
        assertThat(first.release(v2, "first")).isTrue();

        assertThat(second.acquire(v3, "second")).isTrue();
        assertThat(first.acquire(v2, "first")).isFalse();
        assertThat(second.release(v3, "second")).isTrue();
        assertThat(first.acquire(v2, "first")).isTrue();
        assertThat(first.release(v2, "first")).isTrue();
    }

    @Test
    void locksLocalFilesOnly() {
        assertThatThrownBy(
                        () -> manager().acquire("hdfs://nn/ns/t/metadata/v1.metadata.json", "me"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local files only");
    }

    /** Starts {@code main} in a JVM of its own, on this test's class path. */
    private Process java(Path out, Class<?> main, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx256m",
                                "-cp",
                                System.getProperty("java.class.path"),
                                main.getName()));
        command.addAll(List.of(args));
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        processes.add(process);
        return process;
    }

    private static LocalFileLockManager manager() {
        LocalFileLockManager manager = new LocalFileLockManager();
        manager.initialize(Map.of(CatalogProperties.LOCK_ACQUIRE_TIMEOUT_MS, "50"));
        return manager;
    }

    private static String output(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
