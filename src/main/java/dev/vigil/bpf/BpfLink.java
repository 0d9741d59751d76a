package dev.vigil.bpf;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * An attached program. Owned by the {@link BpfObject} that made it; closing it detaches
 * the program (idempotent). Not thread-safe.
 */
public final class BpfLink implements AutoCloseable {
    private final String target;
    private final MemorySegment link;
    private final Consumer<BpfLink> onClose;
    private boolean closed;

    BpfLink(String target, MemorySegment link, Consumer<BpfLink> onClose) {
        this.target = target;
        this.link = link;
        this.onClose = onClose;
    }

    /** The attach point, e.g. "tracepoint/raw_syscalls/sys_enter". */
    public String target() { return target; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        onClose.accept(this);
        int rc;
        try {
            rc = (int) Libbpf.LINK_DESTROY.invokeExact(link);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) throw new BpfException("detach " + target, -rc);
    }
}
