package dev.weir.cli.cluster;

import dev.weir.cli.demo.EmbeddedKafka;
import java.nio.file.Path;

/**
 * A KRaft Kafka broker as a process of its own: {@code KafkaServerMain DATA_DIR PORT}; runs until
 * killed. Creates Weir's topics (2 partitions each) so that a job submitted right after finds them.
 */
public final class KafkaServerMain {

    private KafkaServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: KafkaServerMain DATA_DIR PORT");
            System.exit(2);
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]));
        kafka.createTopics(
                2,
                "weir.transactions",
                "weir.labels",
                "weir.scores",
                "weir.decisions",
                "weir.dlq",
                "weir.monitoring",
                "weir.model-control");
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "kafka-shutdown"));
        System.out.println("kafka ready at " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }
}
