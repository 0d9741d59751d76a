package dev.vigil.bpf;

/**
 * The running kernel lacks something a BPF object needs: a tracepoint, BTF, a map or
 * program type. The message says which feature and, where known, how to get it.
 */
public final class BpfFeatureMissingException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfFeatureMissingException(String operation, int errno, String feature) {
        super(operation + " (kernel feature missing: " + feature + ")", errno);
    }
}
