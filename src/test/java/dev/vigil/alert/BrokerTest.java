package dev.vigil.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Tests against one in-process KRaft broker on loopback (no root needed): started before a class's tests, stopped after them. */
public abstract class BrokerTest {
    public static KafkaClusterTestKit kafka;

    @BeforeAll
    public static void broker() throws Exception {
        kafka = dev.vigil.demo.LocalBroker.start();
    }

    @AfterAll
    public static void stop() throws Exception {
        if (kafka != null) kafka.close();
        kafka = null;
    }

    /** Every record of a topic from its start, waiting until n have come (or 30 s). */
    public static List<ConsumerRecord<String, String>> read(String topic, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long end = System.nanoTime() + 30_000_000_000L;
            while (out.size() < n && System.nanoTime() < end) c.poll(Duration.ofMillis(200)).forEach(out::add);
            c.poll(Duration.ofMillis(500)).forEach(out::add); // nothing more than n
        }
        return out;
    }
}
