package dev.weir.models.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelLineage;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.apache.flink.core.fs.Path;

/**
 * Models by name and numbered version, on any file system Flink reaches ({@link Storage}: a local
 * path, {@code s3://}, {@code hdfs://}):
 *
 * <pre>
 * ROOT/NAME/1/model.zip, metadata.json, [profile.json], CHECKSUM
 * ROOT/NAME/aliases.json   {"champion": "2", "challenger": "3", "history": ["1"]}
 * ROOT/NAME/promotions/1.json, 2.json, ...   one {@link Promotion} each, oldest first
 * </pre>
 *
 * <p>A version's {@link Stage} follows from the aliases, so it can never disagree with what the
 * pipelines serve: {@code live} is the champion, {@code test} the challenger, {@code construct}
 * every other version. {@link #promote(Promotion)} moves a version on and records the promotion,
 * its gates and their evidence, as a file of its own written once beside the aliases; {@link
 * #rollback(String, String, String)} and {@link #setChallenger(String, String, String, String)}
 * record their ungated changes there too. {@link #promote(String, String)}, {@link
 * #rollback(String)} and {@link #setChallenger(String, String)} record nothing.
 *
 * <p>A version's files are written first and its {@value #CHECKSUM_FILE} last, once and never
 * replaced: that file is the commit point. A version without it is not complete and is never
 * listed, pointed to or loaded; a version never changes afterwards. This holds on object stores,
 * which cannot rename: each file is uploaded whole ({@link Storage#write}), and an object store
 * shows {@value #CHECKSUM_FILE} only once its upload has completed. A writer that dies midway
 * leaves a version without a checksum, which the next registration skips.
 *
 * <p>The aliases file is replaced whole (a rename on a local disk, one upload on an object store),
 * so readers see the old or the new aliases, never a mix. Writers queue on a lock: threads of this
 * JVM on an in-process lock, and on a local file system other processes on a file lock. An object
 * store has no lock: there, register and change aliases from one process at a time (the registry's
 * writer, for example a CI job); any number of jobs may read meanwhile.
 *
 * <p>{@code registry.register(bundle); registry.promote("fraud-mlp", "2");
 * registry.champion("fraud-mlp")}
 */
public final class ModelRegistry {

    public static final String CHECKSUM_FILE = "CHECKSUM";
    public static final String ALIASES_FILE = "aliases.json";
    public static final String PROFILE_FILE = "profile.json";
    public static final String PROMOTIONS_DIR = "promotions";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> CHECKED_FILES =
            List.of(ModelBundle.MODEL_FILE, ModelBundle.METADATA_FILE, PROFILE_FILE);

    private final Path root;

    /** A registry in a local directory. */
    public ModelRegistry(java.nio.file.Path root) {
        this(Storage.path(root));
    }

    /** A registry at a location: a local path or a URI such as {@code s3://bucket/registry}. */
    public ModelRegistry(String root) {
        this(Storage.path(root));
    }

    public ModelRegistry(Path root) {
        this.root = root;
    }

    /** The registry's location: a local path, or a URI such as {@code s3://bucket/registry}. */
    public String root() {
        return Storage.location(root);
    }

    /** Which versions the aliases name, and the champions before the current one. */
    public record Aliases(String champion, String challenger, List<String> history) {
        public Aliases {
            history = history == null ? List.of() : List.copyOf(history);
        }

        static Aliases empty() {
            return new Aliases(null, null, List.of());
        }
    }

    /**
     * Registers a trained model as the next version of its name, with an optional reference profile
     * (JSON) for drift monitoring. The version number in the bundle's metadata is replaced by the
     * registry's, and its lineage's parent by the name's champion at this moment (none for the
     * first version).
     *
     * @return the pointer to the new version
     */
    public ModelPointer register(ModelBundle bundle, String profileJson) {
        String name = bundle.metadata().name();
        Path modelDir = new Path(root, name);
        try (Lock ignored = lock(modelDir)) {
            // Past every numbered directory, complete or not: a dead writer's leftovers stay apart.
            int last = 0;
            for (String dir : Storage.subdirectories(modelDir)) {
                if (dir.matches("\\d+")) {
                    last = Math.max(last, Integer.parseInt(dir));
                }
            }
            String version = String.valueOf(last + 1);
            ModelMetadata trained = bundle.metadata();
            // The parent is the version this one was registered to challenge: the champion now.
            ModelLineage lineage =
                    trained.lineage() != null
                            ? trained.lineage()
                            : new ModelLineage(null, null, null, null, List.of());
            ModelBundle numbered =
                    bundle.withMetadata(
                            trained.withVersion(version)
                                    .withLineage(lineage.withParent(aliases(name).champion())));
            Map<String, byte[]> files = new LinkedHashMap<>(numbered.files());
            if (profileJson != null) {
                // An explicit profile replaces the one computed at training.
                byte[] metadata = files.remove(ModelBundle.METADATA_FILE);
                files.put(PROFILE_FILE, profileJson.getBytes(StandardCharsets.UTF_8));
                files.put(ModelBundle.METADATA_FILE, metadata);
            }
            String checksum = checksum(files);
            Path target = new Path(modelDir, version);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Storage.write(new Path(target, file.getKey()), file.getValue(), false);
            }
            Storage.write(
                    new Path(target, CHECKSUM_FILE),
                    (checksum + "\n").getBytes(StandardCharsets.UTF_8),
                    false);
            return new ModelPointer(name, version, Storage.location(target), checksum);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register model " + name + " in " + root(), e);
        }
    }

    /** Registered model names. */
    public List<String> names() {
        try {
            return Storage.subdirectories(root).stream().sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the models in " + root(), e);
        }
    }

    /** Complete versions of a model, oldest first. */
    public List<String> versions(String name) {
        Path dir = new Path(root, name);
        try {
            List<String> complete = new ArrayList<>();
            for (String version : Storage.subdirectories(dir)) {
                if (version.matches("\\d+")
                        && Storage.isFile(new Path(new Path(dir, version), CHECKSUM_FILE))) {
                    complete.add(version);
                }
            }
            complete.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
            return complete;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the versions of " + name, e);
        }
    }

    public ModelPointer pointer(String name, String version) {
        Path dir = new Path(new Path(root, name), version);
        Path checksum = new Path(dir, CHECKSUM_FILE);
        try {
            if (!version.matches("\\d+") || !Storage.isFile(checksum)) {
                throw new IllegalArgumentException(
                        "no version "
                                + version
                                + " of model "
                                + name
                                + " in "
                                + root()
                                + " (versions: "
                                + versions(name)
                                + ")");
            }
            return new ModelPointer(
                    name,
                    version,
                    Storage.location(dir),
                    new String(Storage.read(checksum), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + Storage.location(checksum), e);
        }
    }

    public Aliases aliases(String name) {
        Path file = new Path(new Path(root, name), ALIASES_FILE);
        try {
            if (!Storage.isFile(file)) {
                return Aliases.empty();
            }
            return JSON.readValue(Storage.read(file), Aliases.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + Storage.location(file), e);
        }
    }

    /** The champion's pointer. */
    public ModelPointer champion(String name) {
        String version = aliases(name).champion();
        if (version == null) {
            throw new IllegalArgumentException(
                    "model " + name + " in " + root() + " has no champion (weir models promote)");
        }
        return pointer(name, version);
    }

    /** Makes {@code version} the champion; the previous champion goes on the rollback history. */
    public Aliases promote(String name, String version) {
        pointer(name, version);
        return updateAliases(name, a -> promoted(a, version));
    }

    private static Aliases promoted(Aliases a, String version) {
        List<String> history = new ArrayList<>(a.history());
        if (a.champion() != null && !a.champion().equals(version)) {
            history.add(a.champion());
        }
        String challenger = version.equals(a.challenger()) ? null : a.challenger();
        return new Aliases(version, challenger, history);
    }

    /** A version's stage: {@code live} as champion, {@code test} as challenger, else construct. */
    public Stage stage(String name, String version) {
        pointer(name, version);
        return stage(aliases(name), version);
    }

    private static Stage stage(Aliases a, String version) {
        if (version.equals(a.champion())) {
            return Stage.LIVE;
        }
        return version.equals(a.challenger()) ? Stage.TEST : Stage.CONSTRUCT;
    }

    /**
     * Moves a version to a later stage, as a promotion's record says, and keeps the record: into
     * {@code test} it becomes the challenger, into {@code live} the champion (as {@link
     * #promote(String, String)}). The aliases change first, then the record is written, both under
     * the model's lock; a record therefore never names a promotion that did not happen.
     *
     * @throws IllegalStateException when the version is no longer in the record's {@code from}
     *     stage (moved meanwhile), or the move is not forward
     */
    public Aliases promote(Promotion promotion) {
        String name = promotion.model();
        String version = promotion.version();
        pointer(name, version);
        Path dir = new Path(root, name);
        try (Lock ignored = lock(dir)) {
            Aliases current = aliases(name);
            Stage now = stage(current, version);
            if (now != promotion.from()) {
                throw new IllegalStateException(
                        "model "
                                + name
                                + " v"
                                + version
                                + " is in "
                                + now
                                + ", not "
                                + promotion.from()
                                + ": it moved meanwhile; nothing changed");
            }
            if (promotion.to().compareTo(now) <= 0) {
                throw new IllegalArgumentException(
                        "model "
                                + name
                                + " v"
                                + version
                                + " is in "
                                + now
                                + "; a promotion goes to a later stage, not to "
                                + promotion.to());
            }
            Aliases updated =
                    promotion.to() == Stage.LIVE
                            ? promoted(current, version)
                            : new Aliases(current.champion(), version, current.history());
            Storage.write(new Path(dir, ALIASES_FILE), JSON.writeValueAsBytes(updated), true);
            writeRecord(dir, promotion);
            return updated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot promote " + name + " v" + version, e);
        }
    }

    /** The recorded promotions of a model, oldest first. */
    public List<Promotion> promotions(String name) {
        Path records = new Path(new Path(root, name), PROMOTIONS_DIR);
        try {
            List<Promotion> all = new ArrayList<>();
            for (Path file : promotionFiles(records)) {
                all.add(Promotion.fromJson(Storage.read(file)));
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the promotions of " + name, e);
        }
    }

    /** The numbered record files, in number order. */
    private static List<Path> promotionFiles(Path records) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        for (org.apache.flink.core.fs.FileStatus status : Storage.list(records)) {
            String file = status.getPath().getName();
            if (!status.isDir() && file.matches("\\d+\\.json")) {
                numbers.add(Integer.parseInt(file.substring(0, file.length() - 5)));
            }
        }
        numbers.sort(Integer::compare);
        return numbers.stream().map(n -> new Path(records, n + ".json")).toList();
    }

    /**
     * The aliases after a recorded change, and its record.
     *
     * @param aliases the model's aliases now
     * @param promotion the record written beside them; null when nothing changed
     */
    public record Recorded(Aliases aliases, Promotion promotion) {}

    /**
     * Makes the previous champion the champion again, as {@link #rollback(String)}, and records it
     * in the audit trail as an ungated change ({@link Promotion#ROLLBACK}): the restored version
     * from its stage to {@code live}, no gates. Aliases and record are written under the model's
     * lock, as by {@link #promote(Promotion)}.
     *
     * @param by who rolls back
     * @param reason free text, or null
     */
    public Recorded rollback(String name, String by, String reason) {
        return recordUnderLock(
                name,
                current -> {
                    if (current.history().isEmpty()) {
                        throw new IllegalStateException(
                                "model " + name + " has no earlier champion to roll back to");
                    }
                    List<String> history = new ArrayList<>(current.history());
                    String previous = history.remove(history.size() - 1);
                    Aliases updated = new Aliases(previous, current.challenger(), history);
                    Promotion record =
                            new Promotion(
                                    name,
                                    previous,
                                    stage(current, previous),
                                    Stage.LIVE,
                                    by,
                                    now(),
                                    false,
                                    reason,
                                    List.of(),
                                    Promotion.ROLLBACK
                                            + ": v"
                                            + previous
                                            + " replaces champion v"
                                            + current.champion()
                                            + ", which goes back to construct; an emergency brake"
                                            + " is not gated");
                    return new Recorded(updated, record);
                });
    }

    /**
     * Sets the challenger, or clears it with null, as {@link #setChallenger(String, String)}, and
     * records it in the audit trail as an ungated change: into {@code test} ({@link
     * Promotion#CHALLENGER_SET}), or the cleared challenger back to {@code construct} ({@link
     * Promotion#CHALLENGER_CLEARED}). Nothing is written when nothing changes (the version is the
     * challenger already, or there is none to clear).
     *
     * @throws IllegalArgumentException when {@code version} is the champion: it is live, and a
     *     challenger is scored beside it
     */
    public Recorded setChallenger(String name, String version, String by, String reason) {
        if (version != null) {
            pointer(name, version);
        }
        return recordUnderLock(
                name,
                current -> {
                    String old = current.challenger();
                    if (version == null ? old == null : version.equals(old)) {
                        return new Recorded(current, null);
                    }
                    if (version != null && version.equals(current.champion())) {
                        throw new IllegalArgumentException(
                                "model "
                                        + name
                                        + " v"
                                        + version
                                        + " is the champion; a challenger is scored beside it");
                    }
                    Aliases updated = new Aliases(current.champion(), version, current.history());
                    Promotion record =
                            version == null
                                    ? new Promotion(
                                            name,
                                            old,
                                            Stage.TEST,
                                            Stage.CONSTRUCT,
                                            by,
                                            now(),
                                            false,
                                            reason,
                                            List.of(),
                                            Promotion.CHALLENGER_CLEARED
                                                    + ": v"
                                                    + old
                                                    + " is no longer scored beside the champion")
                                    : new Promotion(
                                            name,
                                            version,
                                            stage(current, version),
                                            Stage.TEST,
                                            by,
                                            now(),
                                            false,
                                            reason,
                                            List.of(),
                                            Promotion.CHALLENGER_SET
                                                    + (old == null ? "" : ", in place of v" + old)
                                                    + ": shadow scoring beside the champion, its"
                                                    + " decisions unused; the to_test gates were"
                                                    + " not judged");
                    return new Recorded(updated, record);
                });
    }

    /**
     * Now, to the microsecond: Iceberg keeps microseconds, so every copy names the same instant.
     */
    private static String now() {
        return java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
    }

    /**
     * Under the model's lock: reads the aliases, lets {@code change} compute the new ones and the
     * record, writes the aliases and then the record (a record never names a change that did not
     * happen).
     */
    private Recorded recordUnderLock(
            String name, java.util.function.Function<Aliases, Recorded> change) {
        if (!names().contains(name)) {
            throw new IllegalArgumentException(
                    "no model " + name + " in " + root() + " (models: " + names() + ")");
        }
        Path dir = new Path(root, name);
        try (Lock ignored = lock(dir)) {
            Recorded recorded = change.apply(aliases(name));
            if (recorded.promotion() == null) {
                return recorded;
            }
            Storage.write(
                    new Path(dir, ALIASES_FILE), JSON.writeValueAsBytes(recorded.aliases()), true);
            writeRecord(dir, recorded.promotion());
            return recorded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the aliases of " + name, e);
        }
    }

    private static void writeRecord(Path dir, Promotion promotion) throws IOException {
        Path records = new Path(dir, PROMOTIONS_DIR);
        int next = promotionFiles(records).size() + 1;
        Storage.write(new Path(records, next + ".json"), promotion.toJson(), false);
    }

    /** Makes the previous champion the champion again. */
    public Aliases rollback(String name) {
        return updateAliases(
                name,
                a -> {
                    if (a.history().isEmpty()) {
                        throw new IllegalStateException(
                                "model " + name + " has no earlier champion to roll back to");
                    }
                    List<String> history = new ArrayList<>(a.history());
                    String previous = history.remove(history.size() - 1);
                    return new Aliases(previous, a.challenger(), history);
                });
    }

    /** Sets the challenger, or clears it with null. */
    public Aliases setChallenger(String name, String version) {
        if (version != null) {
            pointer(name, version);
        }
        return updateAliases(name, a -> new Aliases(a.champion(), version, a.history()));
    }

    /**
     * Loads the version a pointer names after checking its files against the checksum. Each file is
     * read once, and the model is built from the very bytes that were checked.
     *
     * @throws IllegalStateException when a file is missing or altered
     */
    public static ModelBundle load(ModelPointer pointer) {
        Path dir = Storage.path(pointer.location());
        Map<String, byte[]> files = new LinkedHashMap<>();
        try {
            for (String file : CHECKED_FILES) {
                Path path = new Path(dir, file);
                if (Storage.isFile(path)) {
                    files.put(file, Storage.read(path));
                } else if (!file.equals(PROFILE_FILE)) {
                    throw new IOException(file + " is missing");
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read model "
                            + pointer.name()
                            + " v"
                            + pointer.version()
                            + " at "
                            + pointer.location()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        String actual = checksum(files);
        if (!actual.equals(pointer.checksum())) {
            throw new IllegalStateException(
                    "model "
                            + pointer.name()
                            + " v"
                            + pointer.version()
                            + " at "
                            + pointer.location()
                            + " fails its checksum (expected "
                            + pointer.checksum()
                            + ", found "
                            + actual
                            + ")");
        }
        return ModelBundle.fromFiles(
                pointer.location(),
                files.get(ModelBundle.MODEL_FILE),
                files.get(ModelBundle.METADATA_FILE),
                files.get(PROFILE_FILE));
    }

    /** SHA-256 over the version's files, in a fixed order, each prefixed by its name. */
    static String checksum(Map<String, byte[]> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String file : CHECKED_FILES) {
                byte[] content = files.get(file);
                if (content != null) {
                    digest.update(file.getBytes(StandardCharsets.UTF_8));
                    digest.update(content);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Aliases updateAliases(String name, UnaryOperator<Aliases> change) {
        Path dir = new Path(root, name);
        if (!names().contains(name)) {
            throw new IllegalArgumentException(
                    "no model " + name + " in " + root() + " (models: " + names() + ")");
        }
        try (Lock ignored = lock(dir)) {
            Aliases updated = change.apply(aliases(name));
            Storage.write(new Path(dir, ALIASES_FILE), JSON.writeValueAsBytes(updated), true);
            return updated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the aliases of " + name, e);
        }
    }

    /** Held while a model's versions or aliases change. */
    private interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Threads of this JVM queue on an in-process lock; other processes on a local file lock. */
    private static final ConcurrentHashMap<String, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private static Lock lock(Path dir) throws IOException {
        ReentrantLock local = LOCAL.computeIfAbsent(dir.toString(), k -> new ReentrantLock());
        local.lock();
        if (!Storage.isLocal(dir)) {
            return local::unlock;
        }
        FileChannel channel;
        FileLock lock;
        try {
            java.nio.file.Path localDir = Storage.localPath(dir);
            Files.createDirectories(localDir);
            channel =
                    FileChannel.open(
                            localDir.resolve(".lock"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
            lock = channel.lock();
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
        return () -> {
            try {
                lock.release();
                channel.close();
            } finally {
                local.unlock();
            }
        };
    }
}
