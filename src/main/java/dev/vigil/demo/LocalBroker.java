package dev.vigil.demo;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node Kafka cluster in this process, on loopback (KRaft, broker and controller in one
 * node, from Kafka's own test kit; its logs in a temporary folder removed at close): the fleet
 * demo's, and the Kafka tests' and benches'. Replication factors are 1 and a consumer group
 * starts without waiting.
 */
public final class LocalBroker {
    private LocalBroker() {}

    /** Built and formatted, not started: node0 settings (e.g. advertised.listeners) go to the node. */
    public static KafkaClusterTestKit create(Map<String, String> node0) throws Exception {
        KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                .setPerServerProperties(node0.isEmpty() ? Map.of() : Map.of(0, node0)).build())
                .setConfigProp("offsets.topic.replication.factor", "1").setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("transaction.state.log.replication.factor", "1").setConfigProp("transaction.state.log.min.isr", "1").build();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream())); // the kit tells stdout where it formatted its folders
        try {
            kafka.format();
        } catch (Exception e) {
            kafka.close();
            throw e;
        } finally {
            System.setOut(stdout);
        }
        return kafka;
    }

    /** Started and ready for clients at {@link KafkaClusterTestKit#bootstrapServers()}. */
    public static KafkaClusterTestKit start() throws Exception {
        KafkaClusterTestKit kafka = create(Map.of());
        try {
            kafka.startup();
            kafka.waitForReadyBrokers();
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }
}
