package dev.vigil.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A merged profile as the fleet publishes it (topic vigil.profiles, compacted, keyed by the
 * workload key), schema {@value #SCHEMA}: {@code {"schema", "workload", "version", "k",
 * "normal": {dimension: [items]}, "hosts": {dimension: {item: [up to k hosts that learnt it]}},
 * "novel": {dimension: {item: [up to k hosts where it was alerted]}}, "allowed":
 * {dimension: [items]}, "learnt": [dimensions stable on k hosts], "stable_hosts": {dimension:
 * [up to k hosts]}, "image_versions": [digests, oldest first], "signature"}}. The signature is Ed25519 over the document without
 * its signature, written canonically (object fields sorted, no spaces), so any change to
 * any field fails verification. Stateless.
 */
public final class FleetDocument {
    public static final String SCHEMA = "vigil.fleet-profile/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FleetDocument() {}

    /** Thrown for a document that is not one, or whose signature does not verify. */
    public static final class InvalidException extends Exception {
        public InvalidException(String message) { super(message); }
    }

    /** The signed document of a profile with k. */
    public static String write(FleetProfile p, int k, Signer signer) {
        ObjectNode o = JSON.createObjectNode().put("schema", SCHEMA).put("workload", p.workload()).put("version", p.version()).put("k", k);
        ObjectNode normal = o.putObject("normal");
        p.normal(k).forEach((d, items) -> items.forEach(normal.withArrayProperty(d)::add));
        ObjectNode hosts = o.putObject("hosts");
        p.hosts().forEach((d, items) -> {
            ObjectNode dn = hosts.putObject(d);
            items.forEach((item, h) -> h.forEach(dn.withArrayProperty(item)::add));
        });
        ObjectNode novel = o.putObject("novel");
        p.novel().forEach((d, items) -> {
            ObjectNode dn = novel.putObject(d);
            items.forEach((item, h) -> h.forEach(dn.withArrayProperty(item)::add));
        });
        ObjectNode allowed = o.putObject("allowed");
        p.allowed().forEach((d, items) -> items.forEach(allowed.withArrayProperty(d)::add));
        ArrayNode learnt = o.putArray("learnt");
        p.stable(k).forEach(learnt::add);
        ObjectNode stable = o.putObject("stable_hosts");
        p.stableHosts().forEach((d, h) -> h.forEach(stable.withArrayProperty(d)::add));
        if (!p.imageVersions().isEmpty()) p.imageVersions().forEach(o.putArray("image_versions")::add);
        o.put("signature", Base64.getEncoder().encodeToString(signer.sign(canonical(o))));
        return o.toString();
    }

    /** A verified document read back: the profile (hosts, allowed, stable hosts, image versions, version), its k, its normal items and learnt dimensions. */
    public record Read(FleetProfile profile, int k, Map<String, Set<String>> normal, Set<String> learnt) {}

    public static Read read(String json, Signer verifier) throws InvalidException {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidException("not JSON: " + e.getOriginalMessage());
        }
        if (!(o instanceof ObjectNode on) || !SCHEMA.equals(o.path("schema").asText())) throw new InvalidException("not a " + SCHEMA + " document");
        String sig = o.path("signature").asText("");
        byte[] s;
        try {
            s = Base64.getDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            throw new InvalidException("its signature is not base64");
        }
        if (!verifier.verify(canonical(on), s)) throw new InvalidException("its signature does not verify with the fleet's public key: tampered with, or signed by another key");
        FleetProfile p = new FleetProfile(o.path("workload").asText());
        p.version(o.path("version").asLong());
        o.path("hosts").properties().forEach(d -> d.getValue().properties().forEach(item -> item.getValue().forEach(h -> p.report(d.getKey(), item.getKey(), h.asText(), Integer.MAX_VALUE))));
        o.path("novel").properties().forEach(d -> d.getValue().properties().forEach(item -> item.getValue().forEach(h -> p.novel(d.getKey(), item.getKey(), h.asText(), Integer.MAX_VALUE))));
        o.path("allowed").properties().forEach(d -> d.getValue().forEach(item -> p.allow(d.getKey(), item.asText())));
        o.path("stable_hosts").properties().forEach(d -> d.getValue().forEach(h -> p.stable(d.getKey(), h.asText(), Integer.MAX_VALUE)));
        o.path("image_versions").forEach(v -> p.imageVersion(v.asText()));
        Set<String> learnt = new TreeSet<>();
        o.path("learnt").forEach(d -> learnt.add(d.asText()));
        Map<String, Set<String>> normal = new TreeMap<>();
        o.path("normal").properties().forEach(d -> d.getValue().forEach(item -> normal.computeIfAbsent(d.getKey(), x -> new TreeSet<>()).add(item.asText())));
        return new Read(p, o.path("k").asInt(), normal, learnt);
    }

    /** The bytes signed: the document without "signature", fields sorted at every level, compact. */
    static byte[] canonical(ObjectNode doc) {
        ObjectNode c = (ObjectNode) sorted(doc);
        c.remove("signature");
        try {
            return JSON.writeValueAsBytes(c);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (n instanceof ObjectNode o) {
            ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            Iterator<String> it = o.fieldNames();
            it.forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) out.set(name, sorted(o.get(name)));
            return out;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode out = JSON.createArrayNode();
            a.forEach(x -> out.add(sorted(x)));
            return out;
        }
        return n;
    }
}
