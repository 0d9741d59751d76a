package dev.vigil.bpf;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/** A struct as a BPF object's BTF describes it: size and members with byte offsets. */
public record BtfStruct(String name, long size, List<Member> members) {
    public record Member(String name, long offset, long size) {}

    /** The same description of a Java layout (named members only; padding members kept by name). */
    public static BtfStruct of(String name, StructLayout layout) {
        List<Member> out = new ArrayList<>();
        long off = 0;
        for (MemoryLayout m : layout.memberLayouts()) {
            if (m.name().isPresent()) out.add(new Member(m.name().get(), off, m.byteSize()));
            off += m.byteSize();
        }
        return new BtfStruct(name, layout.byteSize(), out);
    }
}
