package dev.weir.governor;

import dev.weir.gates.ModelEvidence;
import java.util.List;
import java.util.Optional;

/** What the governor reads from the model registry: never writes. */
public interface RegistryView {

    /** Where a registered version lives and the checksum its files must have. */
    record Pointer(String name, String version, String location, String checksum) {}

    /**
     * The registry's aliases of a model.
     *
     * @param champion the champion version, or null
     * @param challenger the challenger version, or null
     * @param history earlier champions, oldest first
     */
    record Aliases(String champion, String challenger, List<String> history) {
        public Aliases {
            history = history == null ? List.of() : List.copyOf(history);
        }
    }

    Aliases aliases(String model);

    /** The pointer of a complete version, empty when the registry has no such version. */
    Optional<Pointer> pointer(String model, String version);

    /**
     * Hold-out and fairness of a complete version, from its metadata; empty when the registry has
     * no such version.
     */
    Optional<ModelEvidence> evidence(String model, String version);
}
