package dev.vigil.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets taken out of a command line before it becomes a profile item (items are saved,
 * published to the fleet and signed into every agent's documents): the value of a password-,
 * token- or key-like option ({@code --password=S}, {@code --token S}, {@code -pS} for the
 * MySQL clients), of a {@code KEY=value} argument whose key looks secret
 * ({@code DB_PASSWORD=S}, {@code AWS_SECRET_ACCESS_KEY=S}), the password of a URL
 * ({@code https://user:S@host}) or a token as its user ({@code https://ghp_...@host}), and an {@code Authorization:} header's credentials become
 * {@value #MARK}. The rest of the command line stays, so the item still tells one command
 * from another. Static; thread-safe.
 */
public final class Redact {
    public static final String MARK = "<redacted>";
    private static final String SECRET = "(?:pass(?:word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|auth(?:orization)?|credentials?)";
    private static final Pattern OPTION = Pattern.compile("(--?(?:[a-z0-9]+[-_])*" + SECRET + ")(=.*)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern ASSIGN = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*" + "(?:PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL|AUTH)[A-Za-z0-9_.-]*)=(.+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern URL_PASSWORD = Pattern.compile("([a-z][a-z0-9+.-]*://[^/\\s:@]*:)[^@\\s/]+@", Pattern.CASE_INSENSITIVE);
    /** A URL's user part with no password that is long enough to be a token (https://ghp_...@github.com/...). */
    private static final Pattern URL_TOKEN = Pattern.compile("([a-z][a-z0-9+.-]*://)[A-Za-z0-9_.~+-]{20,}@", Pattern.CASE_INSENSITIVE);
    private static final Pattern AUTH_HEADER = Pattern.compile("((?:proxy-)?authorization:\\s*(?:\\w+\\s+)?)\\S.*", Pattern.CASE_INSENSITIVE);
    private static final Set<String> MYSQL = Set.of("mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mariadb", "mariadb-dump");

    private Redact() {}

    /** argv with its secrets replaced (argv[0] kept). */
    public static List<String> argv(List<String> argv) {
        if (argv.isEmpty()) return argv;
        String prog = argv.getFirst().substring(argv.getFirst().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>(argv.size());
        out.add(argv.getFirst());
        boolean nextIsSecret = false;
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (nextIsSecret) {
                out.add(MARK);
                nextIsSecret = false;
                continue;
            }
            Matcher o = OPTION.matcher(a);
            if (o.matches()) {
                if (o.group(2) != null) out.add(o.group(1) + "=" + MARK);
                else {
                    out.add(a);
                    nextIsSecret = i + 1 < argv.size() && !argv.get(i + 1).startsWith("-");
                }
                continue;
            }
            if (MYSQL.contains(prog) && a.length() > 2 && a.startsWith("-p") && !a.startsWith("--")) {
                out.add("-p" + MARK);
                continue;
            }
            out.add(text(a));
        }
        return out;
    }

    /** One argument's embedded secrets: KEY=value with a secret-looking key, a URL's password, an Authorization header. */
    static String text(String a) {
        Matcher m = ASSIGN.matcher(a);
        if (m.matches()) return m.group(1) + "=" + MARK;
        String s = URL_PASSWORD.matcher(a).replaceAll("$1" + MARK + "@");
        s = URL_TOKEN.matcher(s).replaceAll("$1" + MARK + "@");
        Matcher h = AUTH_HEADER.matcher(s);
        return h.find() ? s.substring(0, h.start()) + h.group(1) + MARK : s;
    }
}
