package dev.weir.gates;

/**
 * Everything a promotion is judged on; a part is null when it was not gathered, and every gate that
 * needs it then fails with "no evidence".
 *
 * @param model hold-out and fairness from the version's metadata
 * @param batch the version's batch scores
 * @param live the version as challenger against the champion on live traffic
 */
public record Evidence(ModelEvidence model, BatchEvidence batch, LiveWindows.LiveEvidence live) {}
