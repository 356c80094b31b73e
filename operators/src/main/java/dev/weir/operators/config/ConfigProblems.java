package dev.weir.operators.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Every problem found in one configuration, so that a single error lists them all instead of making
 * people fix one line per deployment attempt.
 */
public final class ConfigProblems {

    private final String subject;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param subject what is being checked, as it reads in an error: "quality rules"
     */
    public ConfigProblems(String subject) {
        this.subject = subject;
    }

    public void add(String where, String problem) {
        problems.add(where + ": " + problem);
    }

    /** How many so far: a parser compares counts to tell whether one part was valid. */
    public int count() {
        return problems.size();
    }

    /**
     * @throws IllegalArgumentException listing every problem, one a line, if there is any
     */
    public void throwIfAny() {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message =
                new StringBuilder("invalid ")
                        .append(subject)
                        .append(" (")
                        .append(problems.size())
                        .append(problems.size() == 1 ? " problem):" : " problems):");
        problems.forEach(p -> message.append("\n  - ").append(p));
        throw new IllegalArgumentException(message.toString());
    }
}
