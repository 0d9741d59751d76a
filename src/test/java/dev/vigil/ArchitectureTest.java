package dev.vigil;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of docs/architecture.md, enforced over the compiled classes: every top-level
 * package of dev.vigil may depend only on the packages its row names (the JDK and libraries
 * aside), and there is no cycle between packages. A new package must be given a row here
 * and in docs/architecture.md before it compiles into a passing build.
 */
class ArchitectureTest {
    /** Package -> the packages of dev.vigil it may import (its own sub-packages always); cli's bpf is narrowed below. */
    static final Map<String, Set<String>> MAY_IMPORT = Map.ofEntries(
            Map.entry("event", Set.of()),
            Map.entry("syscall", Set.of()),
            Map.entry("alert", Set.of()),
            Map.entry("store", Set.of()),
            Map.entry("bpf", Set.of("syscall")),
            Map.entry("sensor", Set.of("bpf", "event", "syscall", "host")),
            Map.entry("host", Set.of("event", "alert", "syscall")),
            Map.entry("trace", Set.of("syscall")),
            Map.entry("detect", Set.of("store", "syscall")),
            Map.entry("profile", Set.of("event", "syscall", "store")),
            Map.entry("config", Set.of("event", "sensor", "alert", "profile", "host", "syscall")),
            Map.entry("source", Set.of("event", "sensor", "host", "trace", "syscall")),
            Map.entry("workload", Set.of("event", "profile", "host", "alert", "syscall")),
            Map.entry("sequence", Set.of("event", "detect", "sensor", "store", "source", "host", "alert", "syscall")),
            Map.entry("follow", Set.of("event", "source", "detect", "trace", "sensor", "host", "store", "alert", "profile", "syscall")),
            Map.entry("fleet", Set.of("profile", "alert", "store")),
            Map.entry("eval", Set.of("detect", "trace", "syscall", "store")),
            Map.entry("agent", Set.of("event", "syscall", "bpf", "sensor", "host", "store", "trace", "detect", "profile", "alert", "config",
                    "source", "workload", "sequence", "fleet")),
            Map.entry("demo", Set.of("agent", "config", "fleet", "follow", "detect", "trace", "host", "profile", "alert", "event", "syscall", "store")),
            Map.entry("cli", Set.of("bpf", "event", "syscall", "host", "store", "trace", "detect", "profile", "alert", "config", "source", "workload",
                    "sequence", "follow", "fleet", "agent", "eval", "demo")));

    /** The only classes of bpf that cli may name: the errors its exit codes are made of, and --verbose's libbpf log switch. */
    static final Set<String> CLI_MAY_NAME_IN_BPF = Set.of("dev.vigil.bpf.BpfException", "dev.vigil.bpf.BpfFeatureMissingException",
            "dev.vigil.bpf.LibbpfLog");

    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.vigil");
    }

    static String top(JavaClass c) {
        String p = c.getPackageName();
        if (!p.startsWith("dev.vigil.")) return "";
        String rest = p.substring("dev.vigil.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    @Test
    void everyPackageHasARowAndAPackageInfo() {
        Set<String> found = classes.stream().map(ArchitectureTest::top).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(MAY_IMPORT.keySet()).as("packages with a row in the layout").containsExactlyInAnyOrderElementsOf(found);
        List<String> missing = new ArrayList<>();
        for (String p : found) {
            if (!Files.exists(Path.of("src/main/java/dev/vigil", p, "package-info.java"))) missing.add(p);
        }
        assertThat(missing).as("packages without a package-info.java saying what they hold and may import").isEmpty();
    }

    @Test
    void everyPackageImportsOnlyWhatItsRowAllows() {
        for (var row : MAY_IMPORT.entrySet()) {
            String[] forbidden = MAY_IMPORT.keySet().stream().filter(p -> !p.equals(row.getKey()) && !row.getValue().contains(p))
                    .map(p -> "dev.vigil." + p + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("dev.vigil." + row.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .because(row.getKey() + " may import only " + row.getValue() + " (docs/architecture.md)")
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    @Test
    void cliNamesOfBpfOnlyItsErrorsAndItsLogSwitch() {
        noClasses().that().resideInAPackage("dev.vigil.cli..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe("bpf classes but its errors and LibbpfLog",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.vigil.bpf") && !CLI_MAY_NAME_IN_BPF.contains(c.getName())
                                && !CLI_MAY_NAME_IN_BPF.contains(c.getName().replaceAll("\\$.*", ""))))
                .check(classes);
    }

    @Test
    void noCycleBetweenPackages() {
        slices().matching("dev.vigil.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheDemosRunAKafkaBroker() {
        noClasses().that().resideOutsideOfPackage("dev.vigil.demo..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.common.test..", "kafka.server..", "kafka.testkit..")
                .because("the in-process broker (Kafka's test kit) is a run-time dependency of vigil fleet demo only")
                .check(classes);
    }

    @Test
    void nothingImportsTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("dev.vigil.cli..").should().dependOnClassesThat().resideInAPackage("dev.vigil.cli..")
                .check(classes);
    }
}
