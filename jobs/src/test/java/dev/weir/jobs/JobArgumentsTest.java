package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class JobArgumentsTest {

    @TempDir Path dir;

    @Test
    void theFileIsReadAndEachSetOverridesItInOrder() throws Exception {
        Path yaml = dir.resolve("weir.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "kafka.bootstrap-servers: file:9092",
                        "kafka.topics.scores: s.file",
                        "iceberg.warehouse: /tmp/wh",
                        "model.dir: /models/fraud",
                        ""));

        JobArguments args =
                JobArguments.parse(
                        "--config",
                        yaml.toString(),
                        "--set",
                        "kafka.topics.scores=s.first",
                        "--set= kafka.topics.dlq = d=1 ",
                        "--set",
                        "kafka.topics.scores=s.last");
        PipelineConfig config = args.load();

        assertThat(args.config()).isEqualTo(yaml);
        assertThat(args.settings())
                .containsExactly(
                        java.util.Map.entry("kafka.topics.scores", "s.last"),
                        java.util.Map.entry("kafka.topics.dlq", "d=1"));
        assertThat(config.bootstrapServers()).isEqualTo("file:9092");
        assertThat(config.scoresTopic()).isEqualTo("s.last");
        assertThat(config.dlqTopic()).isEqualTo("d=1");
    }

    @Test
    void theBackfillTakesItsOutputTableBesideTheJobArguments() {
        BackfillJob.Arguments defaults = CommandLine.populateCommand(new BackfillJob.Arguments());
        BackfillJob.Arguments given =
                CommandLine.populateCommand(
                        new BackfillJob.Arguments(),
                        "--output-table",
                        "features_v2",
                        "--set",
                        "a=b");

        assertThat(defaults.outputTable).isEqualTo(BackfillJob.DEFAULT_OUTPUT);
        assertThat(given.outputTable).isEqualTo("features_v2");
        assertThat(given.job.settings()).containsEntry("a", "b");
    }

    @Test
    void theBackfillScoresWithTheJobsModelOrANamedVersionOfItsRegistry() {
        BackfillJob.Arguments defaults = CommandLine.populateCommand(new BackfillJob.Arguments());
        BackfillJob.Arguments given =
                CommandLine.populateCommand(
                        new BackfillJob.Arguments(),
                        "--score",
                        "--model",
                        "fraud-mlp:2",
                        "--scores-table",
                        "scores_v2");
        assertThat(defaults.score).isFalse();
        assertThat(defaults.model).isNull();
        assertThat(defaults.scoresTable).isEqualTo(BackfillJob.DEFAULT_SCORES_OUTPUT);
        assertThat(given.score).isTrue();
        assertThat(given.model).isEqualTo("fraud-mlp:2");
        assertThat(given.scoresTable).isEqualTo("scores_v2");

        PipelineConfig withDir =
                JobArguments.parse(
                                "--set",
                                "kafka.bootstrap-servers=b:9092",
                                "--set",
                                "iceberg.warehouse=/tmp/wh",
                                "--set",
                                "model.dir=/models/fraud")
                        .load();
        BackfillJob.Scoring own = BackfillJob.Scoring.of(withDir, null, "scores_v2");
        assertThat(own.model().location()).isEqualTo("/models/fraud");
        assertThat(own.table()).isEqualTo("scores_v2");
        assertThatThrownBy(() -> BackfillJob.Scoring.of(withDir, "fraud-mlp:2", "t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a model registry (model.registry)");
        for (String malformed : new String[] {"fraud-mlp", "fraud-mlp:", ":2", "a:b:c"}) {
            assertThatThrownBy(() -> BackfillJob.Scoring.of(withDir, malformed, "t"))
                    .as(malformed)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--model takes NAME:VERSION");
        }
    }

    @Test
    void mistakesNameTheArgument() {
        assertThatThrownBy(() -> JobArguments.parse("--conifg", "x.yaml"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--conifg");
        assertThatThrownBy(() -> JobArguments.parse("--set", "no-equals-sign"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> JobArguments.parse("--config"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--config");
    }
}
