package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scoring survives garbage collections during ND4J's native calls. Before {@link
 * FencedOpExecutioner}, a collection while a dense layer's bias broadcast was in native code let
 * ND4J free the broadcast's dimension buffer under it, and the process died with a SIGSEGV in
 * {@code sd::DataBuffer::primary()}: this child, run on ND4J's own executioner, died after 500 to
 * 2,500 passes, 4 times out of 4. The child runs in a JVM of its own because its heap has to be
 * tiny and a crash must not take the test runner down.
 */
class ScoringUnderGcPressureTest {

    private static final int PASSES = 6_000;

    @TempDir Path dir;

    @Test
    void aBatchScoredUnderConstantCollectionsNeverCrashesAndScoresAsInProcess() throws Exception {
        Path modelDir = dir.resolve("model");
        SmallModel.train("pressure", 5, 2_000).bundle().save(modelDir);
        double[] expected = new double[ScoringUnderGcPressure.ROWS];
        try (BatchScorer scorer =
                new BatchScorer(ModelBundle.load(modelDir), ScoringUnderGcPressure.ROWS)) {
            double[][] rows = ScoringUnderGcPressure.batch(SmallModel.NAMES.size());
            for (int r = 0; r < rows.length; r++) {
                scorer.set(r, rows[r]);
            }
            System.arraycopy(scorer.score(rows.length), 0, expected, 0, rows.length);
        }
        assertThat(Nd4j.getExecutioner()).isInstanceOf(FencedOpExecutioner.class);

        Path out = dir.resolve("scores.txt");
        Path err = dir.resolve("stderr.txt");
        // A young generation of 1 MB fills in microseconds under the garbage threads: collections
        // run all through the native calls.
        int exit =
                child(List.of("-XX:+UseSerialGC", "-Xmx64m", "-Xmn1m"), modelDir, PASSES, out, err);

        assertThat(exit)
                .as(
                        "child exit code; its stderr ends with:%n%s%ncrash reports: %s",
                        tail(err), crashReports())
                .isZero();
        double[] scores =
                Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                        .mapToDouble(Double::parseDouble)
                        .toArray();
        assertThat(scores).containsExactly(expected);
    }

    @Test
    void anotherExecutionerNamedOnTheCpuIsRefusedWithThePropertyNamed() throws Exception {
        Path modelDir = dir.resolve("model");
        SmallModel.train("refused", 5, 200).bundle().save(modelDir);
        Path err = dir.resolve("stderr.txt");

        int exit =
                child(
                        List.of(
                                "-D"
                                        + NativeBackend.EXECUTIONER_PROPERTY
                                        + "="
                                        + FencedOpExecutioner.class.getSuperclass().getName()),
                        modelDir,
                        1,
                        dir.resolve("scores.txt"),
                        err);

        assertThat(exit).isNotZero();
        assertThat(Files.readString(err, StandardCharsets.UTF_8))
                .contains("IllegalStateException")
                .contains(
                        "the system property "
                                + NativeBackend.EXECUTIONER_PROPERTY
                                + " names it; leave the property unset");
    }

    /** Runs {@link ScoringUnderGcPressure} in a JVM of its own; returns its exit code. */
    private int child(List<String> jvmOptions, Path modelDir, int passes, Path out, Path err)
            throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(javaBin.toString());
        command.addAll(jvmOptions);
        command.addAll(
                List.of(
                        "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ScoringUnderGcPressure.class.getName(),
                        modelDir.toString(),
                        Integer.toString(passes)));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start()
                .waitFor();
    }

    private List<String> crashReports() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(Path::getFileName)
                    .map(Path::toString)
                    .filter(name -> name.startsWith("hs_err"))
                    .toList();
        }
    }

    private static String tail(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join(
                System.lineSeparator(),
                lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
