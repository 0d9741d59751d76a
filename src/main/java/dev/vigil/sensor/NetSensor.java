package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.PacketSocket;
import dev.vigil.event.KernelEvent.Flow;
import dev.vigil.event.KernelEvent.NetSample;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * net.bpf.c: packets and bytes per (family, protocol, source, destination) on one
 * interface, counted by a socket filter on a raw packet socket; one sample per period
 * with the flows that moved. Needs CAP_NET_RAW and CAP_BPF.
 */
public final class NetSensor extends PeriodicSensor {
    private BpfObject object;
    private PacketSocket socket;
    private final Map<FlowId, long[]> previous = new HashMap<>();
    private long flowsSeen;

    record FlowId(int family, int proto, String src, String dst) {}

    @Override
    public String name() { return "net"; }

    @Override
    public String header() {
        return "net: TIME NET IFACE FAMILY PROTO SOURCE -> DESTINATION packets= bytes= in the period (total packets / bytes since start), every "
                + settings.period().toMillis() / 1000.0 + " s";
    }

    @Override
    public void open() {
        object = BpfObject.openResource(NetSensor.class, "/dev/vigil/bpf/net.bpf.o");
    }

    @Override
    public void configure(SensorSettings s) {
        if (s.iface() == null || s.iface().isBlank()) throw new IllegalArgumentException("net needs an interface (net.interface in vigil.yaml, or --interface)");
        if (PacketSocket.interfaceIndex(s.iface()) == 0) throw new IllegalArgumentException("net: no network interface " + s.iface());
        super.configure(s);
    }

    @Override
    public void load() {
        object.load();
    }

    @Override
    public void attach() {
        socket = PacketSocket.open(settings.iface(), object.programFd("vigil_net"));
        started();
    }

    static String protocol(int family, int proto) {
        return switch (proto) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> family == 6 ? "icmp" : "58";
            default -> "other(" + proto + ")";
        };
    }

    private static String address(int family, byte[] b) {
        try {
            return InetAddress.getByAddress(family == 4 ? Arrays.copyOf(b, 4) : b).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Totals per flow since start, summed over CPUs. */
    public Map<FlowId, long[]> totals() {
        Map<FlowId, long[]> out = new LinkedHashMap<>();
        object.map("flows").forEach((k, v) -> {
            int family = k.get(JAVA_BYTE, EventWire.FLOW_FAMILY), proto = k.get(JAVA_BYTE, EventWire.FLOW_PROTO) & 0xff;
            FlowId id = new FlowId(family, proto, address(family, k.asSlice(EventWire.FLOW_SRC, EventWire.FLOW_ADDR_LEN).toArray(JAVA_BYTE)),
                    address(family, k.asSlice(EventWire.FLOW_DST, EventWire.FLOW_ADDR_LEN).toArray(JAVA_BYTE)));
            long packets = 0, bytes = 0;
            for (long off = 0; off < v.byteSize(); off += EventWire.FLOW.byteSize()) { // one value per CPU
                packets += v.get(JAVA_LONG, off + EventWire.FLOW_PACKETS);
                bytes += v.get(JAVA_LONG, off + EventWire.FLOW_BYTES);
            }
            out.put(id, new long[] {packets, bytes});
        });
        return out;
    }

    @Override
    KernelEvent sample(double seconds) {
        List<Flow> flows = new ArrayList<>();
        Map<FlowId, long[]> now = totals();
        flowsSeen = now.size();
        now.forEach((id, t) -> {
            long[] before = previous.getOrDefault(id, new long[2]);
            long dp = t[0] - before[0], db = t[1] - before[1];
            if (dp > 0) flows.add(new Flow(id.family(), protocol(id.family(), id.proto()), id.src(), id.dst(), dp, db, t[0], t[1]));
        });
        previous.clear();
        previous.putAll(now);
        flows.sort(Comparator.comparingLong(Flow::bytes).reversed());
        return new NetSample(settings.iface(), seconds, flows, stat(0), stat(1));
    }

    private long stat(int i) {
        return object.map("netstats").lookupU64Sum(i);
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("samples", samples);
        if (object != null && object.isLoaded()) {
            m.put("frames", stat(0));
            m.put("not_ip", stat(1));
            m.put("flows", flowsSeen);
        }
        m.put("lost", 0L);
        return m;
    }

    @Override
    public void close() {
        if (socket != null) socket.close();
        if (object != null) object.close();
    }
}
