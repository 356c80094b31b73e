package dev.weir.operators.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.BatchScorer;
import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.scoring.ServingModels.Effect;
import dev.weir.operators.scoring.ServingModels.Outcome;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingModelsTest {

    private static final List<String> NAMES = List.of("x", "y");

    @TempDir static Path modelDir;
    @TempDir static Path otherModelDir;
    @TempDir static Path otherFeaturesDir;
    @TempDir Path registryDir;

    private ModelPointer directory;
    private ModelPointer first;
    private ModelPointer second;
    private ServingModels models;

    @BeforeAll
    static void trainTinyModels() {
        train(2, "7", NAMES).save(modelDir);
        train(5, "8", NAMES).save(otherModelDir);
        train(6, "9", List.of("a", "b")).save(otherFeaturesDir);
    }

    @BeforeEach
    void registerAndStart() {
        ModelRegistry registry = new ModelRegistry(registryDir);
        first = registry.register(ModelBundle.load(modelDir), null);
        second = registry.register(ModelBundle.load(otherModelDir), null);
        directory = new ModelPointer(null, null, modelDir.toString(), null);
        models = new ServingModels(new ModelLoader(NAMES, 4, true));
        models.start(directory, null);
    }

    @AfterEach
    void release() {
        models.close();
    }

    @Test
    void aNewChampionReplacesTheOldOneWhichIsReleasedAtOnce() {
        BatchScorer old = models.champion();
        assertThat(models.championVersion()).isEqualTo("tiny:7");
        assertThat(models.challenger()).isNull();

        Outcome outcome = models.apply(command(ModelCommand.USE_CHAMPION, second));

        assertThat(outcome)
                .isEqualTo(
                        new Outcome(
                                Effect.CHAMPION_SWITCHED, second, "champion switched from tiny:7"));
        assertThat(outcome.reported()).isTrue();
        assertThat(outcome.refused()).isFalse();
        assertThat(models.championVersion()).isEqualTo("tiny:" + second.version());
        assertThat(models.champion().metadata().version()).isEqualTo(second.version());
        assertThatThrownBy(() -> old.score(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("scorer of model tiny v7 is closed");
    }

    @Test
    void aChallengerIsSetReplacedAndCleared() {
        BatchScorer champion = models.champion();
        Outcome set = models.apply(command(ModelCommand.SET_CHALLENGER, first));
        assertThat(set)
                .isEqualTo(
                        new Outcome(
                                Effect.CHALLENGER_SET,
                                first,
                                "challenger set beside champion tiny:7"));
        assertThat(set.reported()).isTrue();
        BatchScorer challenger = models.challenger();
        assertThat(challenger.metadata().version()).isEqualTo(first.version());
        // Only the champion's scores carry reason codes.
        assertThat(champion.attributes()).isTrue();
        assertThat(challenger.attributes()).isFalse();

        models.apply(command(ModelCommand.SET_CHALLENGER, second));
        assertThat(models.challenger().metadata().version()).isEqualTo(second.version());
        assertThatThrownBy(() -> challenger.score(1)).isInstanceOf(IllegalStateException.class);

        BatchScorer replaced = models.challenger();
        Outcome cleared = models.apply(command(ModelCommand.CLEAR_CHALLENGER, second));
        assertThat(cleared.effect()).isEqualTo(Effect.CHALLENGER_CLEARED);
        assertThat(cleared.reported()).isFalse();
        assertThat(models.challenger()).isNull();
        assertThatThrownBy(() -> replaced.score(1)).isInstanceOf(IllegalStateException.class);
        // The champion was never touched.
        assertThat(models.champion()).isSameAs(champion);
        assertThat(models.championVersion()).isEqualTo("tiny:7");
    }

    @Test
    void aVersionThatCannotServeIsRefusedWithItsReasonAndTheModelsInForceKeepServing() {
        BatchScorer champion = models.champion();
        models.apply(command(ModelCommand.SET_CHALLENGER, first));
        BatchScorer challenger = models.challenger();

        ModelControl unlocated =
                ModelControl.newBuilder(command(ModelCommand.USE_CHAMPION, second))
                        .setLocation(null)
                        .build();
        assertThat(models.apply(unlocated))
                .isEqualTo(
                        new Outcome(
                                Effect.REFUSED,
                                null,
                                "refused: the command names no location and checksum"));

        String zeros = "0".repeat(64);
        ModelPointer altered =
                new ModelPointer(second.name(), second.version(), second.location(), zeros);
        Outcome checksum = models.apply(command(ModelCommand.USE_CHAMPION, altered));
        assertThat(checksum)
                .isEqualTo(
                        new Outcome(
                                Effect.REFUSED,
                                altered,
                                "refused: model tiny v"
                                        + second.version()
                                        + " at "
                                        + second.location()
                                        + " fails its checksum (expected "
                                        + zeros
                                        + ", found "
                                        + second.checksum()
                                        + "); tiny:7 keeps serving"));
        assertThat(checksum.reported()).isTrue();
        assertThat(checksum.refused()).isTrue();

        ModelPointer otherFeatures =
                new ModelRegistry(registryDir).register(ModelBundle.load(otherFeaturesDir), null);
        assertThat(models.apply(command(ModelCommand.SET_CHALLENGER, otherFeatures)).note())
                .isEqualTo(
                        "refused: model tiny v"
                                + otherFeatures.version()
                                + " expects features [a, b] but the pipeline's"
                                + " feature set computes [x, y]; tiny:7 keeps serving");

        assertThat(models.champion()).isSameAs(champion);
        assertThat(models.challenger()).isSameAs(challenger);
        assertThat(models.championVersion()).isEqualTo("tiny:7");
        champion.set(0, new double[] {0.5, -0.5});
        challenger.set(0, new double[] {0.5, -0.5});
        assertThat(champion.score(1)[0])
                .isEqualTo(challenger.score(1)[0]); // same weights, both serving
    }

    @Test
    void retrainRequestsAndUnknownCommandsChangeNothing() {
        BatchScorer champion = models.champion();
        for (ModelCommand kind : List.of(ModelCommand.REQUEST_RETRAIN, ModelCommand.UNKNOWN)) {
            ModelControl command = command(kind, second);
            assertThat(ServingModels.mayChangeModels(command)).isFalse();
            Outcome outcome = models.apply(command);
            assertThat(outcome.effect()).isEqualTo(Effect.IGNORED);
            assertThat(outcome.reported()).isFalse();
        }
        assertThat(models.champion()).isSameAs(champion);
        for (ModelCommand kind :
                List.of(
                        ModelCommand.USE_CHAMPION,
                        ModelCommand.SET_CHALLENGER,
                        ModelCommand.CLEAR_CHALLENGER)) {
            assertThat(ServingModels.mayChangeModels(command(kind, second))).isTrue();
        }
    }

    @Test
    void aChampionThatCannotLoadFailsTheStartAndAChallengerThatCannotIsLeftOut() {
        try (ServingModels noChampion = new ServingModels(new ModelLoader(NAMES, 4, true))) {
            assertThatThrownBy(
                            () ->
                                    noChampion.start(
                                            new ModelPointer(
                                                    null, null, otherFeaturesDir.toString(), null),
                                            null))
                    .hasMessageContaining("expects features [a, b]");
        }
        try (ServingModels restarted = new ServingModels(new ModelLoader(NAMES, 4, true))) {
            restarted.start(
                    second,
                    new ModelPointer(
                            first.name(), first.version(), first.location(), "0".repeat(64)));
            assertThat(restarted.championVersion()).isEqualTo("tiny:" + second.version());
            assertThat(restarted.challenger()).isNull();
        }
    }

    private static ModelControl command(ModelCommand type, ModelPointer pointer) {
        return ModelControl.newBuilder()
                .setCommand(type)
                .setModelName(pointer.name())
                .setVersion(pointer.version())
                .setLocation(pointer.location())
                .setChecksum(pointer.checksum())
                .setIssuedAt(Instant.EPOCH)
                .setReason("test")
                .build();
    }

    private static ModelBundle train(long seed, String version, List<String> names) {
        return TinyModels.train(seed, version, names);
    }
}
