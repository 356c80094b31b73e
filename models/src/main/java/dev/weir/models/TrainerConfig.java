package dev.weir.models;

import java.util.List;

/**
 * Hyper-parameters of the fraud network.
 *
 * @param hiddenLayers sizes of the hidden dense layers
 * @param epochs passes over the training rows
 * @param learningRate Adam learning rate
 * @param batchSize rows per gradient step
 * @param holdoutShare share of the newest rows (by event time) kept out of training
 * @param seed seed of weight initialisation and shuffling
 */
public record TrainerConfig(
        List<Integer> hiddenLayers,
        int epochs,
        double learningRate,
        int batchSize,
        double holdoutShare,
        long seed) {

    public static TrainerConfig defaults() {
        return new TrainerConfig(List.of(32, 16), 8, 0.005, 256, 0.2, 42L);
    }

    public TrainerConfig {
        hiddenLayers = List.copyOf(hiddenLayers);
        if (hiddenLayers.isEmpty() || hiddenLayers.stream().anyMatch(h -> h < 1)) {
            throw new IllegalArgumentException("hidden layers must be one or more positive sizes");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1");
        }
        if (!(holdoutShare > 0 && holdoutShare < 1)) {
            throw new IllegalArgumentException("hold-out share must be in (0, 1)");
        }
    }
}
