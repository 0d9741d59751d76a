package dev.vigil.follow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.event.KernelEvent.Exec;
import dev.vigil.event.KernelEvent.Exit;
import dev.vigil.event.KernelEvent.Flow;
import dev.vigil.event.KernelEvent.NetSample;
import dev.vigil.event.KernelEvent.ProcUsage;
import dev.vigil.event.KernelEvent.ResourceSample;
import dev.vigil.event.KernelEvent.Risky;
import dev.vigil.event.KernelEvent.SyscallSample;
import dev.vigil.event.KernelEvent.Unlink;
import dev.vigil.event.KernelEvent.Who;
import dev.vigil.event.KernelEvent;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Lines of `vigil trace`: a readable table or JSON objects, one or more lines per event. Not thread-safe. */
public final class TraceOutput {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final ObjectMapper mapper = new ObjectMapper();
    private final boolean json;
    /** Epoch ns minus CLOCK_MONOTONIC ns (Java's nanoTime is CLOCK_MONOTONIC on Linux). */
    private final long offsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    public TraceOutput(boolean json) {
        this.json = json;
    }

    public Instant when(long ktimeNs) {
        long ns = ktimeNs + offsetNs;
        return Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L);
    }

    public String header(String collector, String columns) {
        return json ? mapper.createObjectNode().put("kind", "header").put("collector", collector).put("columns", columns).toString() : "# " + columns;
    }

    public List<String> lines(KernelEvent e) {
        return json ? List.of(json(e).toString()) : text(e);
    }

    private String clock(Instant t) {
        return LocalTime.ofInstant(t, ZoneId.systemDefault()).format(CLOCK);
    }

    private String who(Who w) {
        return String.format(Locale.ROOT, "%7d %7d %5d %-15s", w.tgid(), w.ppid(), w.uid(), w.comm());
    }

    public List<String> text(KernelEvent e) {
        String now = clock(Instant.now());
        return switch (e) {
            case Exec x -> List.of(String.format(Locale.ROOT, "%s EXEC   %s cgroup=%d %s [%s]%s", clock(when(x.who().ktimeNs())), who(x.who()),
                    x.who().cgroup(), x.filename(), String.join(" ", x.argv()), x.truncated() ? " (truncated)" : ""));
            case Exit x -> List.of(String.format(Locale.ROOT, "%s EXIT   %s code=%d%s lifetime=%.3fs", clock(when(x.who().ktimeNs())), who(x.who()),
                    x.code(), x.signal() != 0 ? " signal=" + x.signal() : "", x.lifetimeNs() / 1e9));
            case Unlink u -> List.of(String.format(Locale.ROOT, "%s UNLINK %s %-9s %s%s", clock(when(u.who().ktimeNs())), who(u.who()), u.syscall(),
                    u.path(), u.dfd() != -100 && !u.path().startsWith("/") ? " (relative to fd " + u.dfd() + ")" : ""));
            case Risky r -> List.of(String.format(Locale.ROOT, "%s RISKY  %s %-13s %s", clock(when(r.who().ktimeNs())), who(r.who()), r.syscall(), r.detail()));
            case KernelEvent.Sequence q -> List.of(String.format(Locale.ROOT, "%s SEQ    %7d %-15s %s %s", now, q.tgid(), q.comm(), q.key(),
                    q.getClass().getSimpleName()));
            case KernelEvent.Slot w -> List.of(String.format(Locale.ROOT, "%s SLOT   %s slot=%d %s cgroup=%d %s [%s]", clock(when(w.who().ktimeNs())), who(w.who()),
                    w.slot(), w.reason() == KernelEvent.Slot.NEW ? "new" : w.reason() == KernelEvent.Slot.ROOT ? "restart" : "running", w.who().cgroup(),
                    w.filename(), String.join(" ", w.argv())));
            case KernelEvent.Item i -> List.of(String.format(Locale.ROOT, "%s FIRST  %s slot=%d %s", clock(when(i.who().ktimeNs())), who(i.who()), i.slot(),
                    dev.vigil.profile.Observation.of(i).map(o -> o.dimension() + ": " + o.item() + " (" + o.words() + ")").orElse(i.call())));
            case KernelEvent.Maps m -> List.of(String.format(Locale.ROOT, "%s MAPS   %s %d executable mappings%s", clock(when(m.who().ktimeNs())), who(m.who()),
                    m.total(), m.total() > m.vmas().size() ? " (" + m.vmas().size() + " sent)" : ""));
            case KernelEvent.Probe p -> List.of(String.format(Locale.ROOT, "%s PROBE  %s %s %s%s%s%s", clock(when(p.who().ktimeNs())), who(p.who()),
                    p.probe(), p.phase(), p.depth() > 0 ? " depth=" + p.depth() : "", probeValues(p),
                    p.frames().isEmpty() ? "" : " in " + String.join(" <- ", p.frames())));
            case NetSample n -> {
                List<String> out = new ArrayList<>();
                for (Flow f : n.flows()) {
                    out.add(String.format(Locale.ROOT, "%s NET    %s %-5s %-4s %s -> %s packets=%d bytes=%d (total %d / %d)", now, n.iface(), "ipv" + f.family(),
                            f.protocol(), f.src(), f.dst(), f.packets(), f.bytes(), f.totalPackets(), f.totalBytes()));
                }
                if (out.isEmpty()) out.add(now + " NET    " + n.iface() + " no IP traffic in the last " + String.format(Locale.ROOT, "%.1f", n.periodSeconds()) + " s");
                yield out;
            }
            case ResourceSample s -> {
                List<String> out = new ArrayList<>();
                out.add(String.format(Locale.ROOT, "%s TOP    %d active processes in %.1f s:   PID COMM            UID    CPU%%  ONCPU-MS  SYSCALLS/S", now,
                        s.processes(), s.periodSeconds()));
                for (ProcUsage p : s.top()) {
                    out.add(String.format(Locale.ROOT, "%s TOP    %7d %-15s %5d %7.1f %9.1f %11.0f", now, p.pid(), p.comm(), p.uid(), p.cpuPercent(),
                            p.oncpuNs() / 1e6, p.syscallsPerSecond()));
                }
                yield out;
            }
            case SyscallSample s -> {
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s CALLS  %d %d:", now, s.pid(), s.total()));
                int shown = 0;
                for (Map.Entry<String, Long> c : s.counts()) {
                    if (shown++ == 12) {
                        b.append(" ...");
                        break;
                    }
                    b.append(' ').append(c.getKey()).append('=').append(c.getValue());
                }
                yield List.of(b.toString());
            }
        };
    }

    /** A probe's values as name=value (strings quoted when they have spaces), and its return value. */
    private static String probeValues(KernelEvent.Probe p) {
        StringBuilder b = new StringBuilder();
        p.values().forEach((k, v) -> {
            String t = String.valueOf(v);
            b.append(' ').append(k).append('=').append(v instanceof String && (t.isEmpty() || t.contains(" ")) ? '"' + t + '"' : t);
        });
        if (p.ret() != null) b.append(" ret=").append(p.ret());
        return b.toString();
    }

    private ObjectNode who(ObjectNode o, Who w) {
        return o.put("time", when(w.ktimeNs()).toString()).put("pid", w.tgid()).put("tid", w.pid()).put("ppid", w.ppid()).put("uid", w.uid())
                .put("comm", w.comm()).put("cgroup", w.cgroup());
    }

    ObjectNode json(KernelEvent e) {
        ObjectNode o = mapper.createObjectNode().put("collector", e.collector());
        switch (e) {
            case Exec x -> {
                who(o.put("kind", "exec"), x.who()).put("file", x.filename()).put("truncated", x.truncated());
                ArrayNode a = o.putArray("argv");
                x.argv().forEach(a::add);
            }
            case Exit x -> who(o.put("kind", "exit"), x.who()).put("code", x.code()).put("signal", x.signal()).put("lifetime_ns", x.lifetimeNs());
            case Unlink u -> who(o.put("kind", "unlink"), u.who()).put("syscall", u.syscall()).put("path", u.path()).put("dfd", u.dfd()).put("flags", u.flags());
            case Risky r -> {
                who(o.put("kind", "risky"), r.who()).put("syscall", r.syscall()).put("detail", r.detail()).put("string", r.str());
                ArrayNode a = o.putArray("args");
                for (long v : r.args()) a.add(v);
            }
            case KernelEvent.Sequence q -> o.put("kind", "sequence_" + q.getClass().getSimpleName().toLowerCase(Locale.ROOT)).put("pid", q.tgid())
                    .put("tid", q.pid()).put("comm", q.comm()).put("profile", q.key().toString());
            case KernelEvent.Slot w -> {
                who(o.put("kind", "slot"), w.who()).put("slot", w.slot()).put("reason", w.reason() == KernelEvent.Slot.NEW ? "new"
                        : w.reason() == KernelEvent.Slot.ROOT ? "restart" : "running").put("file", w.filename());
                ArrayNode a = o.putArray("argv");
                w.argv().forEach(a::add);
            }
            case KernelEvent.Item i -> {
                who(o.put("kind", "first_sight"), i.who()).put("slot", i.slot()).put("syscall", i.call()).put("ret", i.ret());
                dev.vigil.profile.Observation.of(i).ifPresent(ob -> o.put("dimension", ob.dimension()).put("item", ob.item()).put("what", ob.words()));
            }
            case KernelEvent.Maps m -> {
                who(o.put("kind", "maps"), m.who()).put("total", m.total());
                ArrayNode a = o.putArray("mappings");
                for (var v : m.vmas()) {
                    a.addObject().put("start", "0x" + Long.toHexString(v.start())).put("end", "0x" + Long.toHexString(v.end()))
                            .put("offset", "0x" + Long.toHexString(v.offset())).put("inode", v.ino()).put("name", v.name()).put("flags", v.flags());
                }
            }
            case KernelEvent.Probe p -> {
                who(o.put("kind", "probe"), p.who()).put("probe", p.probe()).put("phase", p.phase()).put("depth", p.depth());
                if (p.ret() != null) o.put("ret", p.ret());
                ObjectNode v = o.putObject("values");
                p.values().forEach((k, x) -> {
                    switch (x) {
                        case Long l -> v.put(k, l);
                        case Integer i -> v.put(k, i);
                        default -> v.put(k, String.valueOf(x));
                    }
                });
                ArrayNode f = o.putArray("frames");
                p.frames().forEach(f::add);
            }
            case NetSample n -> {
                o.put("kind", "net").put("time", Instant.now().toString()).put("interface", n.iface()).put("period_s", n.periodSeconds())
                        .put("frames_total", n.frames()).put("not_ip_total", n.nonIp());
                ArrayNode a = o.putArray("flows");
                for (Flow f : n.flows()) {
                    a.addObject().put("family", f.family()).put("protocol", f.protocol()).put("src", f.src()).put("dst", f.dst())
                            .put("packets", f.packets()).put("bytes", f.bytes()).put("packets_total", f.totalPackets()).put("bytes_total", f.totalBytes());
                }
            }
            case ResourceSample s -> {
                o.put("kind", "resource").put("time", Instant.now().toString()).put("period_s", s.periodSeconds()).put("active_processes", s.processes());
                ArrayNode a = o.putArray("top");
                for (ProcUsage p : s.top()) {
                    a.addObject().put("pid", p.pid()).put("comm", p.comm()).put("uid", p.uid()).put("cpu_percent", p.cpuPercent())
                            .put("oncpu_ns", p.oncpuNs()).put("syscalls", p.syscalls()).put("syscalls_per_s", p.syscallsPerSecond());
                }
            }
            case SyscallSample s -> {
                o.put("kind", "syscalls").put("time", Instant.now().toString()).put("pid", s.pid()).put("period_s", s.periodSeconds()).put("total", s.total());
                ObjectNode c = o.putObject("counts");
                s.counts().forEach(en -> c.put(en.getKey(), en.getValue()));
            }
        }
        return o;
    }

    /**
     * Runs `vigil trace`: one reader thread per collector prints its events through fmt until
     * stop says so or the duration (null: none) has passed; waits for the readers to end.
     */
    public static void run(List<dev.vigil.sensor.Sensor> running, TraceOutput fmt, java.io.PrintStream out,
                           java.util.function.BooleanSupplier stop, java.time.Duration duration) throws InterruptedException {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> readers = new ArrayList<>();
        for (dev.vigil.sensor.Sensor c : running) {
            readers.add(Thread.ofPlatform().name("vigil-" + c.name()).start(() -> {
                while (!done.get()) {
                    c.read(ev -> {
                        synchronized (out) {
                            fmt.lines(ev).forEach(out::println);
                            out.flush();
                        }
                    }, 200);
                }
            }));
        }
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        while (!stop.getAsBoolean() && System.nanoTime() < end) Thread.sleep(100);
        done.set(true);
        for (Thread t : readers) t.join(5000);
    }

    /** A collector's counters in words: "12 events, 0 lost, ...". */
    public static String counts(dev.vigil.sensor.Sensor c) {
        StringBuilder b = new StringBuilder();
        c.counts().forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(v).append(' ').append(k));
        return b.toString();
    }
}
