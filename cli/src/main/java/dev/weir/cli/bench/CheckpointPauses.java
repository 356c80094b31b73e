package dev.weir.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.cluster.FlinkRest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the checkpoints triggered in a latency run's measured window held the records up for, from
 * Flink's checkpoint statistics (REST): their number, the longest one end to end, the longest
 * barrier alignment of any subtask (records of the inputs whose barrier came first wait that long)
 * and the longest synchronous part (the subtask's thread does nothing else meanwhile).
 *
 * @param checkpoints completed checkpoints triggered in the window
 * @param longestMillis the longest of them, trigger to last acknowledgement
 * @param alignment the longest alignment and the task that waited it
 * @param sync the longest synchronous part and the task that spent it
 */
record CheckpointPauses(int checkpoints, long longestMillis, TaskPause alignment, TaskPause sync) {

    /** A pause of one task's subtask. */
    record TaskPause(String task, long millis) {

        static final TaskPause NONE = new TaskPause("-", 0);

        TaskPause longer(String otherTask, long otherMillis) {
            return otherMillis > millis ? new TaskPause(otherTask, otherMillis) : this;
        }
    }

    /**
     * The checkpoints of job {@code jobId} triggered within [{@code fromMillis}, {@code toMillis}]
     * that completed. The JobManager keeps the statistics of its last {@code
     * web.checkpoints.history} checkpoints only; the benchmark's cluster keeps enough.
     */
    static CheckpointPauses of(FlinkRest rest, String jobId, long fromMillis, long toMillis) {
        Map<String, String> tasks = new LinkedHashMap<>();
        for (JsonNode vertex : rest.job(jobId).path("vertices")) {
            tasks.put(vertex.path("id").asText(), firstOperator(vertex.path("name").asText()));
        }
        int checkpoints = 0;
        long longest = 0;
        TaskPause alignment = TaskPause.NONE;
        TaskPause sync = TaskPause.NONE;
        for (JsonNode checkpoint : rest.get("/jobs/" + jobId + "/checkpoints").path("history")) {
            long triggered = checkpoint.path("trigger_timestamp").asLong();
            if (!"COMPLETED".equals(checkpoint.path("status").asText())
                    || triggered < fromMillis
                    || triggered > toMillis) {
                continue;
            }
            checkpoints++;
            longest = Math.max(longest, checkpoint.path("end_to_end_duration").asLong());
            String details = "/jobs/" + jobId + "/checkpoints/details/" + checkpoint.path("id");
            for (Map.Entry<String, String> task : tasks.entrySet()) {
                for (JsonNode subtask :
                        rest.get(details + "/subtasks/" + task.getKey()).path("subtasks")) {
                    alignment =
                            alignment.longer(
                                    task.getValue(),
                                    subtask.path("alignment").path("duration").asLong());
                    sync =
                            sync.longer(
                                    task.getValue(),
                                    subtask.path("checkpoint").path("sync").asLong());
                }
            }
        }
        return new CheckpointPauses(checkpoints, longest, alignment, sync);
    }

    /** A chain's name is its operators' names joined by arrows; its head names it well enough. */
    private static String firstOperator(String chain) {
        int arrow = chain.indexOf(" -> ");
        return arrow < 0 ? chain : chain.substring(0, arrow);
    }
}
