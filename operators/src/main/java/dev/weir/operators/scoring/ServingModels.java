package dev.weir.operators.scoring;

import dev.weir.models.BatchScorer;
import dev.weir.models.ModelMetadata;
import dev.weir.models.registry.ModelPointer;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models in force in one subtask: a champion that decides, and an optional challenger that
 * scores every event beside it. A model-control command replaces one of them; a version that cannot
 * be loaded, fails its checksum or expects other features is refused, and the models in force keep
 * serving. A replaced or cleared model is never used again, so its workspace is released at once
 * instead of at the next garbage collection.
 *
 * <p>Scorers use ND4J workspaces of the calling thread: one instance per subtask, used and
 * {@linkplain #close() closed} on the task thread.
 */
final class ServingModels implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServingModels.class);

    /** What a command did. */
    enum Effect {
        CHAMPION_SWITCHED,
        CHALLENGER_SET,
        CHALLENGER_CLEARED,
        REFUSED,
        /** Not a command for scoring: nothing changed. */
        IGNORED
    }

    /**
     * @param pointer the version the command named, null when it named none or was ignored
     * @param note what happened, for the model event: the refusal reason, or the version replaced
     */
    record Outcome(Effect effect, ModelPointer pointer, String note) {

        boolean refused() {
            return effect == Effect.REFUSED;
        }

        /**
         * Switches, new challengers and refusals are model events; clearing and ignoring are only
         * logged.
         */
        boolean reported() {
            return effect == Effect.CHAMPION_SWITCHED
                    || effect == Effect.CHALLENGER_SET
                    || effect == Effect.REFUSED;
        }
    }

    private final ModelLoader loader;
    private BatchScorer champion;
    private BatchScorer challenger;

    /** Read by the metrics reporter's thread. */
    private volatile String championVersion;

    ServingModels(ModelLoader loader) {
        this.loader = loader;
    }

    /**
     * Loads the models a subtask starts with. Without its champion a subtask cannot score, so a
     * champion that cannot be loaded fails the start; a challenger that cannot be loaded is left
     * out and the champion scores alone.
     *
     * @param challengerPointer null when there is no challenger
     */
    void start(ModelPointer championPointer, ModelPointer challengerPointer) {
        champion = loader.load(championPointer, true);
        championVersion = versionOf(champion);
        if (challengerPointer != null) {
            try {
                challenger = loader.load(challengerPointer, false);
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot load the challenger restored from state, scoring without it: {}",
                        e.getMessage());
            }
        }
    }

    BatchScorer champion() {
        return champion;
    }

    /** The challenger, or null when there is none. */
    BatchScorer challenger() {
        return challenger;
    }

    /** {@code name:version} of the champion. */
    String championVersion() {
        return championVersion;
    }

    /**
     * Whether the command may change the models, so that the events waiting must first be scored by
     * the models in force when they arrived. Refused commands count: whether a version loads is
     * only known by loading it.
     */
    static boolean mayChangeModels(ModelControl command) {
        ModelCommand kind = command.getCommand();
        return kind == ModelCommand.USE_CHAMPION
                || kind == ModelCommand.SET_CHALLENGER
                || kind == ModelCommand.CLEAR_CHALLENGER;
    }

    /**
     * Applies a command between two batches. Never throws for a model that cannot serve: it is
     * refused.
     */
    Outcome apply(ModelControl command) {
        ModelCommand kind = command.getCommand();
        if (kind == ModelCommand.CLEAR_CHALLENGER) {
            release(challenger);
            challenger = null;
            LOG.info("challenger cleared ({})", command.getReason());
            return new Outcome(Effect.CHALLENGER_CLEARED, null, "challenger cleared");
        }
        if (kind == ModelCommand.REQUEST_RETRAIN) {
            return new Outcome(Effect.IGNORED, null, "for whoever trains models, not for scoring");
        }
        if (kind != ModelCommand.USE_CHAMPION && kind != ModelCommand.SET_CHALLENGER) {
            LOG.warn("ignoring unknown model-control command for {}", command.getModelName());
            return new Outcome(Effect.IGNORED, null, "unknown command");
        }
        if (command.getLocation() == null || command.getChecksum() == null) {
            LOG.warn(
                    "refused model-control command for {} v{}: it names no location and checksum",
                    command.getModelName(),
                    command.getVersion());
            return new Outcome(
                    Effect.REFUSED, null, "refused: the command names no location and checksum");
        }
        ModelPointer next =
                new ModelPointer(
                        command.getModelName(),
                        command.getVersion(),
                        command.getLocation(),
                        command.getChecksum());
        try {
            return kind == ModelCommand.SET_CHALLENGER
                    ? setChallenger(next, command)
                    : switchChampion(next, command);
        } catch (RuntimeException e) {
            LOG.warn(
                    "refused model {} v{} at {}: {}; model {} keeps serving",
                    command.getModelName(),
                    command.getVersion(),
                    command.getLocation(),
                    e.getMessage(),
                    championVersion);
            return new Outcome(
                    Effect.REFUSED,
                    next,
                    "refused: " + e.getMessage() + "; " + championVersion + " keeps serving");
        }
    }

    private Outcome setChallenger(ModelPointer next, ModelControl command) {
        BatchScorer replaced = challenger;
        challenger = loader.load(next, false);
        release(replaced);
        LOG.info(
                "challenger {} v{} scores beside champion {} ({})",
                next.name(),
                next.version(),
                championVersion,
                command.getReason());
        return new Outcome(
                Effect.CHALLENGER_SET, next, "challenger set beside champion " + championVersion);
    }

    private Outcome switchChampion(ModelPointer next, ModelControl command) {
        String previous = championVersion;
        BatchScorer replaced = champion;
        champion = loader.load(next, true);
        championVersion = versionOf(champion);
        release(replaced);
        LOG.info(
                "switched from model {} to {} ({})",
                previous,
                championVersion,
                command.getReason());
        return new Outcome(Effect.CHAMPION_SWITCHED, next, "champion switched from " + previous);
    }

    /** Releases both models' workspaces; call it on the thread that scored. */
    @Override
    public void close() {
        release(champion);
        release(challenger);
        champion = null;
        challenger = null;
    }

    private static String versionOf(BatchScorer scorer) {
        ModelMetadata metadata = scorer.metadata();
        return metadata.name() + ":" + metadata.version();
    }

    private static void release(BatchScorer replaced) {
        if (replaced != null) {
            replaced.close();
        }
    }
}
