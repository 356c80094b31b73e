package dev.weir.gates;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Live evidence of a challenger against the champion, from the pipeline's monitoring records per
 * event-time window: PERFORMANCE (realised AUC on matched labels) of each version and AGREEMENT
 * between the two. The governor and {@code weir models promote --to live} pair windows the same
 * way, here.
 */
public final class LiveWindows {

    private LiveWindows() {}

    /**
     * Realised performance of one version in one window.
     *
     * @param windowStart start of the window (epoch ms)
     * @param auc AUC-ROC on the labels matched in the window (NaN when one class is absent)
     * @param matched labels matched to scores in the window
     */
    public record Performance(long windowStart, double auc, long matched) {}

    /**
     * Agreement of one window between a champion and a challenger.
     *
     * @param windowStart start of the window (epoch ms)
     * @param champion the champion's version
     * @param events events both scored
     * @param decisionAgreement share of events with the same decision
     * @param meanAbsDiff mean absolute difference of the scores
     */
    public record Agreement(
            long windowStart,
            String champion,
            long events,
            double decisionAgreement,
            double meanAbsDiff) {}

    /**
     * One window in which both versions have enough labels and an AUC.
     *
     * @param windowStart start (epoch ms)
     * @param windowEnd end (epoch ms)
     * @param challengerAuc the challenger's realised AUC
     * @param championAuc the champion's realised AUC
     * @param challengerLabels the challenger's matched labels
     * @param championLabels the champion's matched labels
     */
    public record PairedWindow(
            long windowStart,
            long windowEnd,
            double challengerAuc,
            double championAuc,
            long challengerLabels,
            long championLabels) {}

    /**
     * The evidence for a challenger over a champion.
     *
     * @param champion the champion's version
     * @param challenger the challenger's version
     * @param minLabels labels each version needs in a window for it to be paired
     * @param agreementWindows windows with an agreement record against this champion
     * @param agreementEvents events over those windows
     * @param decisionAgreement event-weighted decision agreement over those windows (NaN without
     *     events)
     * @param paired windows with performance of both versions, each with enough labels, oldest
     *     first
     */
    public record LiveEvidence(
            String champion,
            String challenger,
            long minLabels,
            int agreementWindows,
            long agreementEvents,
            double decisionAgreement,
            List<PairedWindow> paired) {

        public LiveEvidence {
            paired = List.copyOf(paired);
        }

        public double challengerMeanAuc() {
            return paired.stream()
                    .mapToDouble(PairedWindow::challengerAuc)
                    .average()
                    .orElse(Double.NaN);
        }

        public double championMeanAuc() {
            return paired.stream()
                    .mapToDouble(PairedWindow::championAuc)
                    .average()
                    .orElse(Double.NaN);
        }

        /** The challenger's mean AUC minus the champion's over the paired windows. */
        public double aucGain() {
            return challengerMeanAuc() - championMeanAuc();
        }

        /** The challenger's matched labels over the paired windows. */
        public long challengerLabels() {
            return paired.stream().mapToLong(PairedWindow::challengerLabels).sum();
        }
    }

    /**
     * Pairs a challenger's windows with the champion's.
     *
     * @param challengerPerformance the challenger's PERFORMANCE windows by window end
     * @param championPerformance the champion's PERFORMANCE windows by window end
     * @param challengerAgreement AGREEMENT windows in which the challenger was compared, by window
     *     end; only those against {@code champion} count
     */
    public static LiveEvidence pair(
            String champion,
            String challenger,
            SortedMap<Long, Performance> challengerPerformance,
            Map<Long, Performance> championPerformance,
            Map<Long, Agreement> challengerAgreement,
            long minLabels) {
        long events = 0;
        int agreementWindows = 0;
        double weightedAgreement = 0;
        for (Agreement a : challengerAgreement.values()) {
            if (a.champion().equals(champion)) {
                events += a.events();
                agreementWindows++;
                weightedAgreement +=
                        Double.isNaN(a.decisionAgreement())
                                ? 0
                                : a.decisionAgreement() * a.events();
            }
        }
        List<PairedWindow> paired = new ArrayList<>();
        for (Map.Entry<Long, Performance> e : challengerPerformance.entrySet()) {
            Performance px = e.getValue();
            Performance pc = championPerformance.get(e.getKey());
            if (pc == null
                    || px.matched() < minLabels
                    || pc.matched() < minLabels
                    || Double.isNaN(px.auc())
                    || Double.isNaN(pc.auc())) {
                continue;
            }
            paired.add(
                    new PairedWindow(
                            px.windowStart(),
                            e.getKey(),
                            px.auc(),
                            pc.auc(),
                            px.matched(),
                            pc.matched()));
        }
        return new LiveEvidence(
                champion,
                challenger,
                minLabels,
                agreementWindows,
                events,
                events == 0 ? Double.NaN : weightedAgreement / events,
                paired);
    }
}
