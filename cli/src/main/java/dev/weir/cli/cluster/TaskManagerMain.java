package dev.weir.cli.cluster;

import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;

/**
 * Flink's TaskManager ({@code TaskManagerRunner}, the same arguments) with the TLS passwords of
 * {@link SslPasswords} from the environment, handed over as dynamic properties inside this process:
 * they appear on no command line and in no file.
 */
public final class TaskManagerMain {

    private TaskManagerMain() {}

    public static void main(String[] args) throws Exception {
        TaskManagerRunner.main(SslPasswords.withDynamicProperties(args, System::getenv));
    }
}
