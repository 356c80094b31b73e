package dev.weir.models.registry;

import java.io.Serializable;

/**
 * What travels through the job (and, for hot swaps, its broadcast state) instead of a model: where
 * a registered version lives and the checksum its files must have.
 *
 * @param name model name
 * @param version registered version
 * @param location directory of the version
 * @param checksum SHA-256 over the version's files, hex
 */
public record ModelPointer(String name, String version, String location, String checksum)
        implements Serializable {}
