package dev.weir.cli;

import static dev.weir.cli.WeirRun.weir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.train.TrainCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.OptionSpec;

/** The command line as a user meets it: help, completion, mistakes and their exit codes. */
class WeirCommandLineTest {

    @TempDir Path dir;

    @Test
    void everyCommandsHelpIsGeneratedAndTellsEveryOptionWithItsDefault() {
        List<CommandLine> commands = new ArrayList<>();
        collect(Weir.commandLine(new Weir(), System.out), commands);

        assertThat(commands)
                .extracting(c -> c.getCommandSpec().qualifiedName())
                .contains(
                        "weir demo",
                        "weir models list",
                        "weir cluster start",
                        "weir governor retrain-listener",
                        "weir bench pipeline",
                        "weir bench soak",
                        "weir run backfill",
                        "weir bootstrap",
                        "weir completion");
        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            String usage = command.getUsageMessage(Help.Ansi.OFF);
            if (command.getCommandSpec().userObject() instanceof HelpCommand) {
                continue;
            }
            assertThat(usage).as(name).startsWith("Usage: " + name);
            assertThat(command.getCommandSpec().usageMessage().description())
                    .as(name + " says what it does")
                    .isNotEmpty();
            for (OptionSpec option : command.getCommandSpec().options()) {
                String what = name + " " + option.longestName();
                assertThat(usage).as(what).contains(option.longestName());
                String description = String.join(" ", option.description());
                assertThat(description).as(what + " has a description").isNotBlank();
                boolean flag = option.arity().max() == 0;
                // Picocli renders "no default" as "null".
                boolean hasDefault = !"null".equals(option.defaultValueString());
                if (!flag && hasDefault) {
                    assertThat(description)
                            .as(what + " tells its default")
                            .containsIgnoringCase("default");
                }
            }
        }
    }

    @Test
    void weirAloneAndHelpPrintTheCommands() {
        WeirRun alone = weir();
        WeirRun help = weir("--help");
        WeirRun helpCommand = weir("help");

        assertThat(alone.code).isZero();
        assertThat(help.code).isZero();
        assertThat(helpCommand.code).isZero();
        assertThat(alone.out).isEqualTo(help.out).isEqualTo(helpCommand.out);
        for (String command :
                List.of(
                        "demo",
                        "produce",
                        "consume",
                        "train",
                        "models",
                        "run",
                        "cluster",
                        "submit",
                        "savepoint",
                        "bootstrap",
                        "status",
                        "governor",
                        "bench",
                        "completion")) {
            assertThat(help.out).contains("\n  " + command + " ");
        }
    }

    @Test
    void theReadmeShowsTheRealHelp() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String marker = "$ ./weir --help\n";
        int start = readme.indexOf(marker);
        assertThat(start).as("README.md shows ./weir --help").isNotNegative();
        String shown = readme.substring(start + marker.length(), readme.indexOf("```", start));

        assertThat(shown).isEqualTo(weir("--help").out);
    }

    @Test
    void anUnknownOptionExitsWith2ItsMessageAndTheUsage() {
        WeirRun run = weir("produce", "--rat", "5");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err)
                .startsWith("weir produce: Unknown options: '--rat', '5'\n")
                .contains("Possible solutions: --rate")
                .contains("Usage: weir produce");
    }

    @Test
    void aBadDurationExitsWith2AndSaysWhatADurationIs() {
        WeirRun run = weir("consume", "--topic", "weir.dlq", "--idle-timeout", "10x");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith(
                        "weir consume: Invalid value for option '--idle-timeout': '10x' is not a"
                                + " duration: use a whole number and a unit such as 500ms, 30s,"
                                + " 5min, 2h or 30d (a number alone is milliseconds)\n")
                .contains("Usage: weir consume");
    }

    @Test
    void aMissingRequiredOptionExitsWith2() {
        WeirRun run = weir("models", "promote", "--name", "fraud-mlp");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith("weir models promote: Missing required option: '--version=V'\n")
                .contains("Usage: weir models promote");
    }

    @Test
    void benchPipelineRefusesStateBackendsItDoesNotDrainBeforeStarting() {
        WeirRun unknown = weir("bench", "pipeline", "--backends", "hashmap,forst");
        WeirRun notDrained =
                weir(
                        "bench",
                        "pipeline",
                        "--backends",
                        "hashmap,rocksdb",
                        "--latency-backends",
                        "hashmap-changelog");

        assertThat(unknown.code).isEqualTo(2);
        assertThat(unknown.err).contains("--backends takes").contains("not 'forst'");
        assertThat(notDrained.code).isEqualTo(2);
        assertThat(notDrained.err)
                .contains(
                        "--latency-backends takes backends of --backends, not"
                                + " 'hashmap-changelog'");
    }

    @Test
    void aMissingSubcommandExitsWith2() {
        WeirRun run = weir("governor");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err).startsWith("weir governor: Missing required subcommand\n");
        assertThat(run.err).contains("retrain-listener");
    }

    @Test
    void aValueOutOfRangeIsAWrongArgumentToo() {
        WeirRun run = weir("produce", "--fraud-share", "0.5");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith("weir produce: --fraud-share must be in [0.0, 0.3], got 0.5\n")
                .contains("Usage: weir produce");
    }

    @Test
    void aConfigurationMistakeExitsWith2WithoutTheUsage() {
        Path missing = dir.resolve("weir.yaml");

        WeirRun run = weir("submit", "--config", missing.toString());

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .isEqualTo(
                        "weir submit: configuration file not found: "
                                + missing.toAbsolutePath()
                                + "\n");
    }

    @Test
    void aWrongNumberSaysSo() {
        WeirRun run = weir("produce", "--count", "many");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith(
                        "weir produce: Invalid value for option '--count': 'many' is not a whole"
                                + " number\n");
    }

    @Test
    void trainRefusesAFairnessAttributeTheTransactionsDoNotHave() {
        WeirRun run =
                weir(
                        "train",
                        "--out",
                        dir.resolve("model").toString(),
                        "--fairness-attributes",
                        "country,planet");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith(
                        "weir train: --fairness-attributes: transactions have no field 'planet'"
                                + " (fields: transaction_id,");
        assertThat(dir.resolve("model")).doesNotExist();
    }

    @Test
    void trainRefusesAWarmUpOfMorePaymentsThanItMayGenerate() {
        WeirRun run =
                weir(
                        "train",
                        "--out",
                        dir.resolve("model").toString(),
                        "--warm-up",
                        "7d",
                        "--rate",
                        "200");

        assertThat(run.code).isEqualTo(2);
        assertThat(run.err)
                .startsWith(
                        "weir train: --warm-up 604800 s at --rate 200.0 is 120,960,000 payments"
                                + " before the first row; at most 20,000,000");
        assertThat(dir.resolve("model")).doesNotExist();
    }

    @Test
    void trainSaysInTheModelsLineageHowLongTheFeaturesWarmedUp() {
        Path model = dir.resolve("model");
        WeirRun run =
                weir(
                        "train",
                        "--out",
                        model.toString(),
                        "--events",
                        "2000",
                        "--epochs",
                        "1",
                        "--warm-up",
                        "2min");

        assertThat(run.code).as(run.err).isZero();
        assertThat(dev.weir.models.ModelBundle.readMetadata(model).trainingSource())
                .isEqualTo("synthetic generator, seed 7, 2000 events after a warm-up of 120 s");
    }

    @Test
    void trainWritesTheHoldOutsFairnessIntoTheMetadata() {
        Path model = dir.resolve("model");
        WeirRun run =
                weir(
                        "train",
                        "--out",
                        model.toString(),
                        "--events",
                        "2000",
                        "--epochs",
                        "1",
                        "--fairness-attributes",
                        "channel,merchant_category");

        assertThat(run.code).as(run.err).isZero();
        dev.weir.models.fairness.FairnessReport fairness =
                dev.weir.models.ModelBundle.readMetadata(model).fairness();
        assertThat(fairness.rows()).isEqualTo(400);
        assertThat(fairness.minCount()).isEqualTo(30);
        assertThat(fairness.attributes())
                .extracting(dev.weir.models.fairness.AttributeFairness::attribute)
                .containsExactly("channel", "merchant_category");
        assertThat(fairness.attributes()).allSatisfy(a -> assertThat(a.rows()).isEqualTo(400));
        String firstChannel = fairness.attributes().get(0).groups().get(0).value();
        assertThat(run.out)
                .contains("fairness on the hold-out (400 rows")
                .contains("  channel=" + firstChannel + ": ");
        // The reference profile still covers the drift inputs only.
        assertThat(dev.weir.models.ModelBundle.loadProfile(model).inputs())
                .extracting(dev.weir.models.ReferenceProfile.Categorical::name)
                .containsExactly("channel", "country");
    }

    @Test
    void numbersMayGroupTheirDigits() {
        TrainCommand train =
                Weir.parse(new TrainCommand(), System.out, "--events", "2_000", "--registry");

        assertThat(train).extracting("events").isEqualTo(2_000);
        assertThat(train).extracting("registry").isEqualTo(Folders.REGISTRY);
    }

    @Test
    void completionIsABashScriptOfEveryCommandAndOption() {
        WeirRun run = weir("completion");

        assertThat(run.code).isZero();
        assertThat(run.out)
                .startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_weir")
                .contains("demo produce consume train models run cluster submit savepoint")
                .contains("list show promote rollback challenger")
                .contains("--shift-foreign-share")
                .contains("--idle-timeout");
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
