package dev.vigil.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent.Item;
import dev.vigil.event.KernelEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kernel first sights into profile items and words: what a profile learns and what an alert says. */
class ObservationTest {
    static final KernelEvent.Who WHO = new KernelEvent.Who(10, 10, 1, 0, 0, 1, "app");

    static Item file(int action, long flags, String path, String dir) {
        return new Item(WHO, 1, Item.FILE, 257, "openat", action, 3, flags, new long[4], 0, 0, 0, new byte[16], 1, path, dir);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2  | 0       | /etc/shadow                 |              | read /etc/shadow                         | read /etc/shadow                | HIGH
            2  | 0       | /etc/hostname               |              | read /etc/hostname                       | read /etc/hostname              | LOW
            2  | 0200000 | /srv/data                   |              | list /srv/data                           | listed /srv/data                | LOW
            2  | 01101   | /var/log/app/42.log         |              | create /var/log/app/<n>.log              | created or wrote /var/log/app/42.log | MEDIUM
            2  | 01      | /tmp/x                      |              | write /tmp/x                             | opened for writing /tmp/x       | HIGH
            2  | 0       | conf/app.ini                | /srv/app     | read /srv/app/conf/app.ini               | read /srv/app/conf/app.ini      | LOW
            2  | 0       | ../etc/passwd               | /srv/app     | read /srv/etc/passwd                     | read /srv/etc/passwd            | LOW
            2  | 0       | /proc/1234/environ          |              | read /proc/<n>/environ                   | read /proc/1234/environ         | HIGH
            6  | 0       | /tmp/tmpa8Xk2q              |              | delete /tmp/<tmp>                        | deleted /tmp/tmpa8Xk2q          | HIGH
            10 | 0755    | /tmp/.x                     |              | chmod+x /tmp/.x                          | made executable /tmp/.x (mode 755) | HIGH
            8  | 0       | /srv/app/current            |              | rename /srv/app/current                  | renamed a file to /srv/app/current | MEDIUM
            """)
    void fileItemsByIntentWithPathsResolvedAndGeneralised(int action, String flags, String path, String dir, String item, String words, String sev) {
        Observation o = Observation.of(file(action, Long.parseLong(flags, 8), path, dir == null ? "" : dir)).orElseThrow();
        assertThat(o.dimension()).isEqualTo(WorkloadProfile.FILES);
        assertThat(o.item()).isEqualTo(item);
        assertThat(o.words()).isEqualTo(words);
        assertThat(o.severity()).isEqualTo(Observation.Severity.valueOf(sev));
    }

    static Item net(int action, int family, int type, int port, int cls, byte[] addr, long ret, String path) {
        return new Item(WHO, 1, Item.NET, 42, "connect", action, ret, type, new long[4], family, port, cls, addr, 2, path, "");
    }

    static byte[] v4(int a, int b, int c, int d) {
        byte[] x = new byte[16];
        x[0] = (byte) a; x[1] = (byte) b; x[2] = (byte) c; x[3] = (byte) d;
        return x;
    }

    static dev.vigil.event.ProbeSpec spec(String name, dev.vigil.event.ProbeSpec.Target entry, dev.vigil.event.ProbeSpec.Target ret,
                                          java.util.List<dev.vigil.event.ProbeSpec.Arg> args, int functionArg, java.util.List<String> profile) {
        return new dev.vigil.event.ProbeSpec(name, entry, ret, args, java.util.Set.of(), java.util.Set.of(), java.util.Set.of(), java.util.Set.of(),
                java.util.List.of(), functionArg, true, true, profile, "t.yaml:2: probes[0]");
    }

    static KernelEvent.Probe hit(String phase, Long ret, java.util.Map<String, Object> values, java.util.List<String> frames) {
        return new KernelEvent.Probe(new KernelEvent.Who(7, 7, 1, 0, 0, 0, "svc"), 0, 3, "p", phase, frames.size(), ret, values, frames);
    }

    @Test
    void aProbeHitIsItsFunctionWithItsProfileArgumentsGeneralisedAndTheWordsNameEveryValueAndTheCallers() {
        var gai = new dev.vigil.event.ProbeSpec.Target(dev.vigil.event.ProbeSpec.Kind.UPROBE, "/lib/libc.so.6", 0x1000, "getaddrinfo", "", "");
        var args = java.util.List.of(new dev.vigil.event.ProbeSpec.Arg(0, dev.vigil.event.ProbeSpec.Type.STRING, -1, "node"),
                new dev.vigil.event.ProbeSpec.Arg(1, dev.vigil.event.ProbeSpec.Type.PTR, -1, "service"),
                new dev.vigil.event.ProbeSpec.Arg(2, dev.vigil.event.ProbeSpec.Type.INT, -1, "flags"));
        var values = new java.util.LinkedHashMap<String, Object>();
        values.put("node", "db-17.internal.example");
        values.put("service", "0x0");
        values.put("flags", 4L);
        // by default the string arguments: numbers in them generalised, the pointer and the int left out
        Observation o = Observation.probe(hit(KernelEvent.Probe.HIT, null, values, java.util.List.of("handle", "serve")),
                spec("gai", gai, null, args, -1, null)).orElseThrow();
        assertThat(o.dimension()).isEqualTo("probe:gai");
        assertThat(o.item()).isEqualTo("getaddrinfo db-<n>.internal.example");
        assertThat(o.words()).isEqualTo("called getaddrinfo(node=db-17.internal.example, service=0x0, flags=4) in handle <- serve (probe gai)");
        assertThat(o.detail()).isEqualTo("called getaddrinfo(node=db-17.internal.example, service=0x0, flags=4) in handle <- serve");
        assertThat(o.severity()).isEqualTo(Observation.Severity.MEDIUM);
        // profile: [flags] names the value kept; profile: [] the function alone
        assertThat(Observation.probe(hit(KernelEvent.Probe.HIT, null, values, java.util.List.of()), spec("gai", gai, null, args, -1, java.util.List.of("flags")))
                .orElseThrow().item()).isEqualTo("getaddrinfo 4");
        assertThat(Observation.probe(hit(KernelEvent.Probe.HIT, null, values, java.util.List.of()), spec("gai", gai, null, args, -1, java.util.List.of()))
                .orElseThrow().item()).isEqualTo("getaddrinfo");
        // a pair: its entry is judged (its own frame first, then its callers), its return is not
        var ret = new dev.vigil.event.ProbeSpec.Target(dev.vigil.event.ProbeSpec.Kind.URETPROBE, "/lib/libc.so.6", 0x1000, "getaddrinfo", "", "");
        var pair = spec("gai", gai, ret, args, -1, null);
        assertThat(Observation.probe(hit(KernelEvent.Probe.ENTRY, null, values, java.util.List.of("getaddrinfo", "handle")), pair).orElseThrow().words())
                .endsWith(") in handle (probe gai)");
        assertThat(Observation.probe(hit(KernelEvent.Probe.RETURN, -2L, java.util.Map.of(), java.util.List.of("getaddrinfo")), pair)).isEmpty();
        // a uretprobe alone: the class of what it returned
        Observation r = Observation.probe(hit(KernelEvent.Probe.RETURN, -2L, java.util.Map.of(), java.util.List.of()),
                spec("r", null, ret, java.util.List.of(), -1, null)).orElseThrow();
        assertThat(r.item()).isEqualTo("getaddrinfo returned <0");
        assertThat(r.words()).isEqualTo("getaddrinfo returned -2 (probe r)");
        // a USDT pair naming its frames by an argument: the function is that argument's value
        var usdt = new dev.vigil.event.ProbeSpec.Target(dev.vigil.event.ProbeSpec.Kind.USDT, "/usr/bin/python3.11", 0, "", "python", "function__entry");
        var pargs = java.util.List.of(new dev.vigil.event.ProbeSpec.Arg(0, dev.vigil.event.ProbeSpec.Type.STRING, -1, "file"),
                new dev.vigil.event.ProbeSpec.Arg(1, dev.vigil.event.ProbeSpec.Type.STRING, -1, "function"));
        Observation py = Observation.probe(hit(KernelEvent.Probe.ENTRY, null, java.util.Map.of("file", "/srv/app.py", "function", "do_GET"),
                java.util.List.of("do_GET", "handle_one_request")), spec("py", usdt, usdt, pargs, 1, java.util.List.of("file"))).orElseThrow();
        assertThat(py.item()).isEqualTo("do_GET /srv/app.py");
        assertThat(py.words()).endsWith(" in handle_one_request (probe py)");
    }

    @Test
    void anItemMadeInProbedFunctionsSaysThemInItsWordsButNotInItsItem() {
        Item in = new Item(WHO, 1, Item.FILE, 257, "openat", Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16], 1, "/etc/shadow", "", "",
                java.util.List.of("handle_calc", "do_GET", "handle_one_request"));
        Observation o = Observation.of(in).orElseThrow();
        Observation plain = Observation.of(file(Item.ACT_OPENAT, 0, "/etc/shadow", "")).orElseThrow();
        assertThat(o.words()).isEqualTo(plain.words() + " in handle_calc <- do_GET <- handle_one_request");
        assertThat(o.item()).isEqualTo(plain.item());
        assertThat(o.dimension()).isEqualTo(plain.dimension());
        assertThat(o.severity()).isEqualTo(plain.severity());
    }

    @Test
    void networkItemsKeepPrivateAddressesAndClassPublicOnes() {
        var pub = Observation.of(net(KernelEvent.Item.ACT_CONNECT, 2, 1, 443, KernelEvent.Item.NET_PUBLIC, v4(93, 184, 216, 34), 0, "")).orElseThrow();
        assertThat(pub.item()).isEqualTo("connect tcp public:443");
        assertThat(pub.words()).isEqualTo("connected to 93.184.216.34:443 (tcp, a public address)");
        var db = Observation.of(net(KernelEvent.Item.ACT_CONNECT, 2, 1, 5432, KernelEvent.Item.NET_PRIVATE, v4(10, 0, 0, 5), -111, "")).orElseThrow();
        assertThat(db.item()).isEqualTo("connect tcp 10.0.0.5:5432");
        assertThat(db.words()).isEqualTo("tried to connect to 10.0.0.5:5432 (tcp, private; ECONNREFUSED (Connection refused))");
        assertThat(Observation.of(net(KernelEvent.Item.ACT_LISTEN, 2, 1, 8080, KernelEvent.Item.NET_ANY, v4(0, 0, 0, 0), 0, "")).orElseThrow().item())
                .isEqualTo("listen tcp 0.0.0.0:8080");
        assertThat(Observation.of(net(KernelEvent.Item.ACT_ACCEPT, 2, 1, 8080, KernelEvent.Item.NET_LOOPBACK, v4(127, 0, 0, 1), 5, "")).orElseThrow().item())
                .isEqualTo("accept tcp :8080 from loopback");
        assertThat(Observation.of(net(KernelEvent.Item.ACT_BIND, 2, 2, 53, KernelEvent.Item.NET_LOOPBACK, v4(127, 0, 0, 53), 0, "")).orElseThrow().item())
                .isEqualTo("bind udp 127.0.0.53:53");
        var unix = Observation.of(net(KernelEvent.Item.ACT_CONNECT, 1, 1, 0, KernelEvent.Item.NET_UNIX, new byte[16], 0, "/run/docker.sock")).orElseThrow();
        assertThat(unix.item()).isEqualTo("connect unix /run/docker.sock");
        byte[] v6 = new byte[16];
        v6[15] = 1;
        assertThat(Observation.of(net(KernelEvent.Item.ACT_CONNECT, 10, 1, 6379, KernelEvent.Item.NET_LOOPBACK, v6, 0, "")).orElseThrow().item())
                .isEqualTo("connect tcp [0:0:0:0:0:0:0:1]:6379");
    }

    static Item risky(String call, long[] args, String str) {
        return new Item(WHO, 1, Item.RISKY, 0, call, KernelEvent.Item.ACT_RISKY, 0, 0, args, 0, 0, 0, new byte[16], 3, str, "");
    }

    @Test
    void riskyItemsByCallAndArgumentClass() {
        assertThat(Observation.of(risky("ptrace", new long[] {16, 999_999_999, 0, 0}, "")).orElseThrow().item()).isEqualTo("ptrace ATTACH");
        assertThat(Observation.of(risky("setuid", new long[] {0, 0, 0, 0}, "")).orElseThrow().item()).isEqualTo("setuid to root");
        assertThat(Observation.of(risky("setresuid", new long[] {33, 33, 33, 0}, "")).orElseThrow().item()).isEqualTo("setresuid to non-root");
        assertThat(Observation.of(risky("bpf", new long[] {5, 0, 128, 0}, "")).orElseThrow().item()).isEqualTo("bpf PROG_LOAD");
        assertThat(Observation.of(risky("kill", new long[] {999_999_999, 9, 0, 0}, "")).orElseThrow().item()).isEqualTo("kill SIGKILL");
        Observation m = Observation.of(risky("memfd_create", new long[] {0, 1, 0, 0}, "jit-4711")).orElseThrow();
        assertThat(m.item()).isEqualTo("memfd_create jit-<n>");
        assertThat(m.words()).isEqualTo("called memfd_create (name=jit-4711 flags=0x1)");
        assertThat(m.severity()).isEqualTo(Observation.Severity.HIGH);
        assertThat(Observation.of(risky("unshare", new long[] {0x10000000, 0, 0, 0}, "")).orElseThrow().item()).isEqualTo("unshare flags=0x10000000");
    }

    @Test
    void aCallIsItsName() {
        Item s = new Item(WHO, 1, Item.SYSCALL, 101, "ptrace", 0, 0, 0, new long[4], 0, 0, 0, new byte[16], 101, "", "");
        Observation o = Observation.of(s).orElseThrow();
        assertThat(o.dimension()).isEqualTo(WorkloadProfile.SYSCALLS);
        assertThat(o.item()).isEqualTo("ptrace");
        assertThat(o.severity()).isEqualTo(Observation.Severity.LOW);
    }

    static Item opened(String passed, String real) {
        return new Item(WHO, 1, Item.FILE, 257, "openat", Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16], 1, passed, "", real);
    }

    /** An open is the file the kernel opened: a symlink, a path of dots, or a path past 255 bytes does not hide which. */
    @Test
    void anOpenNamesTheFileTheKernelOpenedAndWhatWasPassed() {
        Observation viaLink = Observation.of(opened("/tmp/x", "/etc/shadow")).orElseThrow();
        assertThat(viaLink.item()).isEqualTo("read /etc/shadow");
        assertThat(viaLink.words()).isEqualTo("read /etc/shadow (through /tmp/x)");
        assertThat(viaLink.severity()).isEqualTo(Observation.Severity.HIGH);
        String dots = "/tmp/" + "./".repeat(200); // cut at 255 bytes by the kernel's copy of the string: only the opened file tells
        Observation viaDots = Observation.of(opened(dots.substring(0, 255), "/etc/shadow")).orElseThrow();
        assertThat(viaDots.item()).isEqualTo("read /etc/shadow");
        Observation plain = Observation.of(opened("/etc/hostname", "/etc/hostname")).orElseThrow();
        assertThat(plain.words()).isEqualTo("read /etc/hostname");
        Observation relative = Observation.of(opened("conf/app.ini", "/srv/app/conf/app.ini")).orElseThrow();
        assertThat(relative.words()).as("a relative path that ends where the file is needs no words").isEqualTo("read /srv/app/conf/app.ini");
        Observation relativeLink = Observation.of(opened("key", "/root/.ssh/id_rsa")).orElseThrow();
        assertThat(relativeLink.words()).isEqualTo("read /root/.ssh/id_rsa (through key)");
    }

    static Item link(int action, String target, String dir, String name) {
        return new Item(WHO, 1, Item.FILE, 265, "linkat", action, 0, 0, new long[4], 0, 0, 0, new byte[16], 1, target, dir, name);
    }

    /** A link made is an item of what it links to, so a link in /tmp to a credential file names the credential file. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            18 | /etc/shadow                     | /srv/www | /tmp/x  | symlink /etc/shadow   | made a symbolic link to /etc/shadow at /tmp/x                  | HIGH
            19 | ../../etc/gshadow               | /tmp     | a/x     | symlink /etc/gshadow  | made a symbolic link to /etc/gshadow at /tmp/a/x               | HIGH
            19 | ../etc/sudoers                  | /var     | /tmp/s  | symlink /etc/sudoers  | made a symbolic link to /etc/sudoers at /tmp/s                 | HIGH
            16 | /etc/shadow                     | /root    | /tmp/h  | link /etc/shadow      | made a hard link to /etc/shadow as /tmp/h                      | HIGH
            17 | .ssh/id_rsa                     | /root    | /tmp/k  | link /root/.ssh/id_rsa | made a hard link to /root/.ssh/id_rsa as /tmp/k               | HIGH
            17 | ''                              | /etc/shadow | /tmp/e | link /etc/shadow     | made a hard link to /etc/shadow as /tmp/e                      | HIGH
            18 | /srv/www/releases/<n>           | /srv/www | current | symlink /srv/www/releases/<n> | made a symbolic link to /srv/www/releases/<n> at /srv/www/current | MEDIUM
            """)
    void aLinkIsAnItemOfWhatItLinksTo(int action, String target, String dir, String name, String item, String words, Observation.Severity sev) {
        Observation o = Observation.of(link(action, target == null ? "" : target, dir, name)).orElseThrow();
        assertThat(o.dimension()).isEqualTo(WorkloadProfile.FILES);
        assertThat(o.item()).isEqualTo(item);
        assertThat(o.words()).isEqualTo(words);
        assertThat(o.severity()).isEqualTo(sev);
    }

    /** A hard link's path names the link: the file's inode says it is a credential file. */
    @Test
    void anOpenThroughAHardLinkNamesTheFileItLinksTo() {
        long[] args = {4242, 0x800003, 2, 0}; // inode, the kernel's dev_t, two links
        Item viaHardLink = new Item(WHO, 1, Item.FILE, 257, "openat", Item.ACT_OPENAT, 3, 0, args, 0, 0, 0, new byte[16], 1, "/tmp/y", "", "/tmp/y");
        Observation.LinkedFiles links = (dev, ino) -> dev == 0x800003 && ino == 4242 ? "/etc/shadow" : "";
        Observation o = Observation.of(viaHardLink, pid -> "", links).orElseThrow();
        assertThat(o.item()).isEqualTo("read /etc/shadow");
        assertThat(o.words()).isEqualTo("read /etc/shadow (through the hard link /tmp/y)");
        assertThat(o.severity()).isEqualTo(Observation.Severity.HIGH);
        long[] one = {4242, 0x800003, 1, 0};
        Item single = new Item(WHO, 1, Item.FILE, 257, "openat", Item.ACT_OPENAT, 3, 0, one, 0, 0, 0, new byte[16], 1, "/tmp/y", "", "/tmp/y");
        assertThat(Observation.of(single, pid -> "", links).orElseThrow().item()).as("one link: its path is its name").isEqualTo("read /tmp/y");
    }
}
