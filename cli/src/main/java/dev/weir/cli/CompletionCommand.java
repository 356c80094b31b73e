package dev.weir.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code weir completion}: bash (and zsh) completion of every command and option. */
@Command(
        name = "completion",
        description = {
            "Prints a bash completion script for weir.",
            "Generated from the commands' declarations. Load it with: source "
                    + "<(./weir completion); zsh takes it too after: autoload -U +X "
                    + "bashcompinit && bashcompinit."
        })
final class CompletionCommand extends WeirCommand {

    @Override
    protected void run() {
        out.print(AutoComplete.bash("weir", spec.root().commandLine()));
        out.flush();
    }
}
