package dev.weir.operators.monitoring;

/** One event-time window of one model version (both null when the kind is not per model). */
public record WindowKey(long start, long end, String modelName, String modelVersion) {}
