package dev.weir.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.core.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A trained model as it sits in a model directory: {@value #MODEL_FILE} (DL4J network) beside
 * {@value #METADATA_FILE} and, for models trained since profiles exist, {@value #PROFILE_FILE}. The
 * directory is on any file system Flink reaches ({@link Storage}): a local path, {@code s3://},
 * {@code hdfs://}; the {@code java.nio} overloads are for local directories.
 */
public final class ModelBundle {

    public static final String MODEL_FILE = "model.zip";
    public static final String METADATA_FILE = "metadata.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static final String PROFILE_FILE = "profile.json";

    private final ModelMetadata metadata;
    private final MultiLayerNetwork network;
    private final ReferenceProfile profile;

    public ModelBundle(ModelMetadata metadata, MultiLayerNetwork network) {
        this(metadata, network, null);
    }

    public ModelBundle(
            ModelMetadata metadata, MultiLayerNetwork network, ReferenceProfile profile) {
        this.metadata = metadata;
        this.network = network;
        this.profile = profile;
    }

    /** The training data's reference profile, or null for models saved without one. */
    public ReferenceProfile profile() {
        return profile;
    }

    /** The same network with other metadata. */
    public ModelBundle withMetadata(ModelMetadata other) {
        return new ModelBundle(other, network, profile);
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    public MultiLayerNetwork network() {
        return network;
    }

    /** Whether the directory holds a complete model. */
    public static boolean exists(java.nio.file.Path dir) {
        return exists(Storage.path(dir));
    }

    /** Whether the directory holds a complete model. */
    public static boolean exists(Path dir) {
        try {
            return Storage.isFile(new Path(dir, MODEL_FILE))
                    && Storage.isFile(new Path(dir, METADATA_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for a model in " + where(dir), e);
        }
    }

    public static ModelMetadata readMetadata(java.nio.file.Path dir) {
        return readMetadata(Storage.path(dir));
    }

    public static ModelMetadata readMetadata(Path dir) {
        try {
            return JSON.readValue(Storage.read(new Path(dir, METADATA_FILE)), ModelMetadata.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model metadata in " + where(dir), e);
        }
    }

    /** Loads a model directory; fails with a message naming what is missing or inconsistent. */
    public static ModelBundle load(java.nio.file.Path dir) {
        return load(Storage.path(dir));
    }

    /** Loads a model directory; fails with a message naming what is missing or inconsistent. */
    public static ModelBundle load(Path dir) {
        if (!exists(dir)) {
            throw new IllegalArgumentException(
                    "no model in "
                            + where(dir)
                            + ": expected "
                            + MODEL_FILE
                            + " and "
                            + METADATA_FILE
                            + " (run `weir train --out "
                            + where(dir)
                            + "`)");
        }
        try {
            Path profileFile = new Path(dir, PROFILE_FILE);
            return fromFiles(
                    where(dir),
                    Storage.read(new Path(dir, MODEL_FILE)),
                    Storage.read(new Path(dir, METADATA_FILE)),
                    Storage.isFile(profileFile) ? Storage.read(profileFile) : null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model in " + where(dir), e);
        }
    }

    /**
     * A model from the bytes of its files, as read once (for example after checking them against a
     * checksum).
     *
     * @param where the model's location, for messages
     * @param profileJson null when the model has no profile
     */
    public static ModelBundle fromFiles(
            String where, byte[] modelZip, byte[] metadataJson, byte[] profileJson) {
        ModelMetadata metadata;
        MultiLayerNetwork network;
        ReferenceProfile profile;
        try {
            metadata = JSON.readValue(metadataJson, ModelMetadata.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model metadata in " + where, e);
        }
        NativeBackend.start();
        try {
            network =
                    ModelSerializer.restoreMultiLayerNetwork(
                            new ByteArrayInputStream(modelZip), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model network in " + where, e);
        }
        try {
            profile =
                    profileJson == null
                            ? null
                            : JSON.readValue(profileJson, ReferenceProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the reference profile in " + where, e);
        }
        long inputs = network.layerInputSize(0);
        if (inputs != metadata.featureCount()) {
            throw new IllegalArgumentException(
                    "model in "
                            + where
                            + " takes "
                            + inputs
                            + " inputs but its metadata names "
                            + metadata.featureCount()
                            + " features");
        }
        return new ModelBundle(metadata, network, profile);
    }

    /**
     * Reads only the reference profile of a model directory, without loading the network: what
     * drift monitoring needs. Null when the model was saved without one.
     */
    public static ReferenceProfile loadProfile(java.nio.file.Path dir) {
        return loadProfile(Storage.path(dir));
    }

    /**
     * Reads only the reference profile of a model directory, without loading the network: what
     * drift monitoring needs. Null when the model was saved without one.
     */
    public static ReferenceProfile loadProfile(Path dir) {
        Path file = new Path(dir, PROFILE_FILE);
        try {
            if (!Storage.isFile(file)) {
                return null;
            }
            return JSON.readValue(Storage.read(file), ReferenceProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the reference profile " + Storage.location(file), e);
        }
    }

    /**
     * The model's files in the order they are written: the network, the profile (when there is
     * one), the metadata last.
     */
    public Map<String, byte[]> files() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try {
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            ModelSerializer.writeModel(network, zip, false);
            files.put(MODEL_FILE, zip.toByteArray());
            if (profile != null) {
                files.put(PROFILE_FILE, JSON.writeValueAsBytes(profile));
            }
            files.put(METADATA_FILE, JSON.writeValueAsBytes(metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize model " + metadata.name(), e);
        }
        return files;
    }

    /** Writes the model into a local directory; see {@link #save(Path)}. */
    public void save(java.nio.file.Path dir) {
        save(Storage.path(dir));
    }

    /**
     * Writes the model into the directory, each file whole ({@link Storage#write}) and the metadata
     * last, so a reader never sees half a model.
     */
    public void save(Path dir) {
        try {
            for (Map.Entry<String, byte[]> file : files().entrySet()) {
                Storage.write(new Path(dir, file.getKey()), file.getValue(), true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + where(dir), e);
        }
    }

    private static String where(Path dir) {
        return Storage.location(dir);
    }
}
