package dev.weir.models.fairness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Fairness figures against values computed by hand on a small exact data set. */
class FairnessTest {

    private static final double THRESHOLD = 0.5;
    private static final FairnessSettings SETTINGS =
            new FairnessSettings(List.of("country", "channel"), 5, 4, 0.8);

    /**
     * Rows per country: value, rows, frauds, declined frauds, declined legitimate rows.
     *
     * <pre>
     * DE    10 rows, 5 frauds, 4 declined, 1 legitimate declined: approval 0.5
     * FR     8 rows, 5 frauds, 3 declined, 0 legitimate declined: approval 0.625
     * IT     6 rows, 1 fraud,  0 declined, 0 legitimate declined: approval 1 (reference)
     * null   4 rows, 0 frauds,             2 legitimate declined: below the minimum of 5 rows
     * ES     3 rows, 0 frauds                                   } beyond the 4 most frequent:
     * PT     2 rows, 1 fraud,  1 declined                       } (other), 5 rows, approval 0.8
     * </pre>
     */
    private static final Object[][] COUNTRIES = {
        {"DE", 10, 5, 4, 1},
        {"FR", 8, 5, 3, 0},
        {"IT", 6, 1, 0, 0},
        {null, 4, 0, 0, 2},
        {"ES", 3, 0, 0, 0},
        {"PT", 2, 1, 1, 0},
    };

    @Test
    void figuresPerValueMatchTheHandComputedOnes() {
        Rows rows = rows();
        FairnessReport report =
                Fairness.report(
                        FairnessReport.HOLDOUT,
                        THRESHOLD,
                        SETTINGS,
                        rows.segments,
                        rows.labels(),
                        rows.scores());
        assertThat(report.rows()).isEqualTo(33);
        assertThat(report.threshold()).isEqualTo(THRESHOLD);
        assertThat(report.attributes())
                .extracting(AttributeFairness::attribute)
                .containsExactly("country", "channel");

        AttributeFairness country = report.attributes().get(0);
        assertThat(country.rows()).isEqualTo(33);
        assertThat(country.approvalReference()).isEqualTo("IT");
        // DE and FR both have 5 frauds: the one with more rows is the reference.
        assertThat(country.tprReference()).isEqualTo("DE");
        assertThat(country.groups())
                .extracting(
                        GroupFairness::value,
                        GroupFairness::rows,
                        GroupFairness::positives,
                        GroupFairness::declines,
                        GroupFairness::declinedPositives)
                .containsExactly(
                        tuple("DE", 10L, 5L, 5L, 4L),
                        tuple("FR", 8L, 5L, 3L, 3L),
                        tuple("IT", 6L, 1L, 0L, 0L),
                        tuple("null", 4L, 0L, 2L, 0L),
                        tuple("(other)", 5L, 1L, 1L, 1L));

        GroupFairness de = country.groups().get(0);
        assertRates(de, 0.5, 0.8, 0.2, 0.5, 0.0, true);
        GroupFairness fr = country.groups().get(1);
        assertRates(fr, 0.375, 0.6, 0.0, 0.625, 0.6 - 0.8, true);
        GroupFairness it = country.groups().get(2);
        // One fraud: reported, but too few frauds for the equal-opportunity difference.
        assertRates(it, 0.0, 0.0, 0.0, 1.0, null, false);
        GroupFairness missing = country.groups().get(3);
        // Four rows: counts and rates only, no ratio; no fraud, so no TPR.
        assertRates(missing, 0.5, null, 0.5, null, null, false);
        GroupFairness other = country.groups().get(4);
        // 0.8 is not below the four-fifths line.
        assertRates(other, 0.2, 1.0, 0.0, 0.8, null, false);
        assertThat(country.flaggedGroups())
                .extracting(GroupFairness::value)
                .containsExactly("DE", "FR");

        AttributeFairness channel = report.attributes().get(1);
        assertThat(channel.groups())
                .extracting(GroupFairness::value, GroupFairness::rows)
                .containsExactly(tuple("app", 17L), tuple("web", 16L));
    }

    @Test
    void partialCountsMergeIntoTheSameFiguresInAnyOrder() {
        Rows rows = rows();
        SegmentCounts whole = new SegmentCounts("country", 1_000);
        SegmentCounts left = new SegmentCounts("country", 1_000);
        SegmentCounts right = new SegmentCounts("country", 1_000);
        String[] countries = rows.segments.get("country");
        for (int i = 0; i < countries.length; i++) {
            boolean declined = rows.scores()[i] >= THRESHOLD;
            whole.add(countries[i], rows.labels()[i], declined);
            (i % 3 == 0 ? left : right).add(countries[i], rows.labels()[i], declined);
        }
        right.merge(left);
        assertThat(Fairness.evaluate(right, SETTINGS))
                .usingRecursiveComparison()
                .isEqualTo(Fairness.evaluate(whole, SETTINGS));
    }

    @Test
    void valuesBeyondTheTrackedCapShareTheOtherBucket() {
        SegmentCounts counts = new SegmentCounts("channel", 2);
        counts.add("web", true, true);
        counts.add("app", false, false);
        counts.add("pos", false, true);
        counts.add("atm", true, false);
        counts.add("web", false, false);
        assertThat(counts.groups().keySet()).containsExactly("(other)", "app", "web");
        GroupCounts other = counts.groups().get("(other)");
        assertThat(List.of(other.rows(), other.positives(), other.declines()))
                .containsExactly(2L, 1L, 1L);
        // A copy made by merging holds the same values, whatever order they come in.
        SegmentCounts copy = new SegmentCounts("channel", 2);
        copy.merge(counts);
        assertThat(copy.groups().keySet()).containsExactly("(other)", "app", "web");
        assertThat(copy.groups().get("(other)").rows()).isEqualTo(2);
    }

    @Test
    void unknownAttributesAndBadSettingsFailWithAMessage() {
        Rows rows = rows();
        assertThatThrownBy(
                        () ->
                                Fairness.report(
                                        "x",
                                        THRESHOLD,
                                        SETTINGS.withAttributes(List.of("planet")),
                                        rows.segments,
                                        rows.labels(),
                                        rows.scores()))
                .hasMessageContaining("unknown segment attribute 'planet'")
                .hasMessageContaining("channel, country");
        assertThatThrownBy(() -> new FairnessSettings(List.of("a", "a"), 30, 200, 0.8))
                .hasMessageContaining("repeat");
        assertThatThrownBy(() -> new FairnessSettings(List.of("a"), 0, 200, 0.8))
                .hasMessageContaining("minimum count");
        assertThatThrownBy(() -> new FairnessSettings(List.of("a"), 30, 200, 1.5))
                .hasMessageContaining("disparate impact");
        assertThatThrownBy(() -> new GroupCounts(3, 1, 3, 0))
                .hasMessageContaining("inconsistent counts");
    }

    private static void assertRates(
            GroupFairness g,
            double declineRate,
            Double tpr,
            Double fpr,
            Double disparateImpact,
            Double equalOpportunity,
            boolean flagged) {
        Offset<Double> exact = Offset.offset(1e-12);
        assertThat(g.declineRate()).as(g.value() + " decline rate").isCloseTo(declineRate, exact);
        assertNullableClose(g.value() + " tpr", g.tpr(), tpr);
        assertNullableClose(g.value() + " fpr", g.fpr(), fpr);
        assertNullableClose(g.value() + " disparate impact", g.disparateImpact(), disparateImpact);
        assertNullableClose(
                g.value() + " equal opportunity", g.equalOpportunityDifference(), equalOpportunity);
        assertThat(g.flagged()).as(g.value() + " flagged").isEqualTo(flagged);
    }

    private static void assertNullableClose(String what, Double actual, Double expected) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
        } else {
            assertThat(actual).as(what).isNotNull().isCloseTo(expected, Offset.offset(1e-12));
        }
    }

    /** The rows of {@link #COUNTRIES}, channels alternating app and web. */
    static Rows rows() {
        List<String> countries = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (Object[] c : COUNTRIES) {
            int n = (int) c[1];
            int frauds = (int) c[2];
            int declinedFrauds = (int) c[3];
            int declinedLegit = (int) c[4];
            for (int i = 0; i < n; i++) {
                boolean fraud = i < frauds;
                boolean declined = fraud ? i < declinedFrauds : i - frauds < declinedLegit;
                countries.add((String) c[0]);
                labels.add(fraud);
                scores.add(declined ? 0.9 : 0.1);
            }
        }
        String[] channels = new String[countries.size()];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = i % 2 == 0 ? "app" : "web";
        }
        Map<String, String[]> segments = new LinkedHashMap<>();
        segments.put("country", countries.toArray(String[]::new));
        segments.put("channel", channels);
        boolean[] y = new boolean[labels.size()];
        double[] s = new double[scores.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.get(i);
            s[i] = scores.get(i);
        }
        return new Rows(segments, y, s);
    }

    record Rows(Map<String, String[]> segments, boolean[] labels, double[] scores) {}
}
