package dev.weir.gates;

/**
 * A version's scores from a batch run over recomputed history ({@code weir run backfill --score
 * --model NAME:VERSION}).
 *
 * @param table the table read
 * @param rows rows scored by the version
 * @param declines rows among them declined
 */
public record BatchEvidence(String table, long rows, long declines) {

    /** Declines over rows; NaN without rows. */
    public double declineRate() {
        return rows == 0 ? Double.NaN : (double) declines / rows;
    }
}
