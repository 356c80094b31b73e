package dev.weir.operators.quality;

/** Time spans in reasons, to two units: "8d 3h", "12m 5s", "500ms". */
final class Elapsed {

    private static final long[] UNIT_MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    private static final String[] UNIT_NAMES = {"d", "h", "m", "s", "ms"};

    private Elapsed() {}

    static String format(long millis) {
        for (int i = 0; i < UNIT_MILLIS.length; i++) {
            long whole = millis / UNIT_MILLIS[i];
            if (whole > 0 || i == UNIT_MILLIS.length - 1) {
                long rest =
                        i + 1 < UNIT_MILLIS.length
                                ? (millis % UNIT_MILLIS[i]) / UNIT_MILLIS[i + 1]
                                : 0;
                return rest == 0
                        ? whole + UNIT_NAMES[i]
                        : whole + UNIT_NAMES[i] + " " + rest + UNIT_NAMES[i + 1];
            }
        }
        throw new AssertionError("unreachable");
    }
}
