package dev.vigil.config;

/** A bad configuration: file, line, key and what is wrong, as one line. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String file, int line, String key, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + message);
    }
}
