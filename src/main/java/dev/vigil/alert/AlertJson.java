package dev.vigil.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link Alert} as one JSON object (schema {@value Alert#SCHEMA}, docs/alert.schema.json),
 * with a fixed field order, and back. Thread-safe.
 */
public final class AlertJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertJson() {}

    public static ObjectNode node(Alert a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("schema", Alert.SCHEMA).put("time", a.time().toString()).put("host", a.host()).put("detector", a.detector())
                .put("kind", a.kind()).put("severity", a.severity().label()).put("summary", a.summary());
        if (a.process() != null) {
            ProcessRef p = a.process();
            ObjectNode po = o.putObject("process");
            po.put("pid", p.pid()).put("tid", p.tid()).put("ppid", p.ppid()).put("uid", p.uid()).put("comm", p.comm()).put("exe", p.exe());
            ArrayNode cl = po.putArray("cmdline");
            p.cmdline().forEach(cl::add);
            po.put("cgroup", p.cgroup()).put("unit", p.unit()).put("container", p.container().id());
            ContainerRef c = p.container();
            if (!c.name().isEmpty() || !c.image().isEmpty() || !c.runtime().isEmpty()) {
                o.putObject("container").put("id", c.id()).put("name", c.name()).put("image", c.image()).put("image_digest", c.imageDigest())
                        .put("runtime", c.runtime());
            }
            if (c.inPod()) o.putObject("pod").put("namespace", c.podNamespace()).put("name", c.podName()).put("container", c.name()).put("owner", c.owner());
        }
        ArrayNode an = o.putArray("ancestry");
        for (ProcessRef.Ancestor x : a.ancestry()) an.addObject().put("pid", x.pid()).put("comm", x.comm()).put("exe", x.exe());
        o.set("evidence", JSON.valueToTree(a.evidence()));
        if (a.profile() != null) o.putObject("profile").put("key", a.profile().key()).put("state", a.profile().state());
        o.put("dedup_key", a.dedupKey()).put("suppressed", a.suppressed());
        return o;
    }

    /** One line of JSON, no line break. */
    public static String line(Alert a) {
        try {
            return JSON.writeValueAsString(node(a));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads an alert back from its JSON (a line of an alerts file, a webhook body element). */
    public static Alert parse(String json) {
        try {
            return from(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a vigil alert: " + e.getOriginalMessage());
        }
    }

    private static ContainerRef container(String id, JsonNode c, JsonNode pod) {
        if (!c.isObject() && !pod.isObject()) return ContainerRef.ofId(id);
        return new ContainerRef(c.path("id").asText(id), c.path("name").asText(pod.path("container").asText()), c.path("image").asText(),
                c.path("image_digest").asText(), c.path("runtime").asText(), pod.path("namespace").asText(), pod.path("name").asText(),
                pod.path("owner").asText());
    }

    public static Alert from(JsonNode o) {
        if (!Alert.SCHEMA.equals(o.path("schema").asText())) {
            throw new IllegalArgumentException("not a vigil alert (schema '" + o.path("schema").asText() + "', expected " + Alert.SCHEMA + ")");
        }
        ProcessRef p = null;
        JsonNode pn = o.get("process");
        if (pn != null && pn.isObject()) {
            List<String> cl = new ArrayList<>();
            pn.path("cmdline").forEach(x -> cl.add(x.asText()));
            p = new ProcessRef(pn.path("pid").asInt(-1), pn.path("tid").asInt(-1), pn.path("ppid").asInt(-1), pn.path("uid").asInt(-1),
                    pn.path("comm").asText(), pn.path("exe").asText(), cl, pn.path("cgroup").asText(), pn.path("unit").asText(),
                    container(pn.path("container").asText(), o.path("container"), o.path("pod")));
        }
        List<ProcessRef.Ancestor> anc = new ArrayList<>();
        o.path("ancestry").forEach(x -> anc.add(new ProcessRef.Ancestor(x.path("pid").asInt(-1), x.path("comm").asText(), x.path("exe").asText())));
        Map<String, Object> ev = o.has("evidence") ? JSON.convertValue(o.get("evidence"), new TypeReference<LinkedHashMap<String, Object>>() { })
                : Map.of();
        JsonNode pr = o.get("profile");
        return new Alert(Instant.parse(o.path("time").asText()), o.path("host").asText(), o.path("detector").asText(), o.path("kind").asText(),
                Alert.Severity.parse(o.path("severity").asText()), o.path("summary").asText(), p, anc, ev,
                pr == null || !pr.isObject() ? null : new Alert.ProfileRef(pr.path("key").asText(), pr.path("state").asText()),
                o.path("dedup_key").asText(), o.path("suppressed").asLong());
    }
}
