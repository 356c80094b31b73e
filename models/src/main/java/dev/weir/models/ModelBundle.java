package dev.weir.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A trained model as it sits in a model directory: {@value #MODEL_FILE} (DL4J network) beside
 * {@value #METADATA_FILE} and, for models trained since profiles exist, {@value #PROFILE_FILE}.
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
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MODEL_FILE))
                && Files.isRegularFile(dir.resolve(METADATA_FILE));
    }

    public static ModelMetadata readMetadata(Path dir) {
        try {
            return JSON.readValue(dir.resolve(METADATA_FILE).toFile(), ModelMetadata.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model metadata in " + dir, e);
        }
    }

    /** Loads a model directory; fails with a message naming what is missing or inconsistent. */
    public static ModelBundle load(Path dir) {
        if (!exists(dir)) {
            throw new IllegalArgumentException(
                    "no model in "
                            + dir.toAbsolutePath()
                            + ": expected "
                            + MODEL_FILE
                            + " and "
                            + METADATA_FILE
                            + " (run `weir train --out "
                            + dir
                            + "`)");
        }
        ModelMetadata metadata = readMetadata(dir);
        MultiLayerNetwork network;
        try {
            network =
                    ModelSerializer.restoreMultiLayerNetwork(
                            dir.resolve(MODEL_FILE).toFile(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model network in " + dir, e);
        }
        long inputs = network.layerInputSize(0);
        if (inputs != metadata.featureCount()) {
            throw new IllegalArgumentException(
                    "model in "
                            + dir
                            + " takes "
                            + inputs
                            + " inputs but its metadata names "
                            + metadata.featureCount()
                            + " features");
        }
        return new ModelBundle(metadata, network, loadProfile(dir));
    }

    /**
     * Reads only the reference profile of a model directory, without loading the network: what
     * drift monitoring needs. Null when the model was saved without one.
     */
    public static ReferenceProfile loadProfile(Path dir) {
        Path file = dir.resolve(PROFILE_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readValue(file.toFile(), ReferenceProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the reference profile " + file, e);
        }
    }

    /** Writes the model into the directory, metadata last so a reader never sees half a model. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "model", ".zip.tmp");
            ModelSerializer.writeModel(network, tmp.toFile(), false);
            Files.move(
                    tmp,
                    dir.resolve(MODEL_FILE),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (profile != null) {
                Path profileTmp = Files.createTempFile(dir, "profile", ".json.tmp");
                JSON.writeValue(profileTmp.toFile(), profile);
                Files.move(
                        profileTmp,
                        dir.resolve(PROFILE_FILE),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path metaTmp = Files.createTempFile(dir, "metadata", ".json.tmp");
            JSON.writeValue(metaTmp.toFile(), metadata);
            Files.move(
                    metaTmp,
                    dir.resolve(METADATA_FILE),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + dir, e);
        }
    }
}
