package dev.weir.jobs.pipeline;

import java.util.Map;

/**
 * A process that takes the commit lock of a table ({@code METADATA_FILE}) and keeps it until it is
 * killed.
 */
public final class HoldCommitLock {

    private HoldCommitLock() {}

    public static void main(String[] args) throws Exception {
        LocalFileLockManager manager = new LocalFileLockManager();
        manager.initialize(Map.of());
        if (!manager.acquire(args[0], "holder")) {
            System.out.println("not acquired");
            System.exit(1);
        }
        System.out.println("held");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
