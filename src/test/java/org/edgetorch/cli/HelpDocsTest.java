package org.edgetorch.cli;

import org.edgetorch.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The option reference (src/site/markdown/commands.md) against the CLI itself, both ways, for every command and
 * subcommand, so that documentation and CLI cannot drift apart. None of this loads LibTorch.
 */
class HelpDocsTest {

    static final Path PAGE = Path.of("src/site/markdown/commands.md");
    static final String COMMON_SECTION = "Options of every command";

    /** The page's tables: option (and positional parameter) names per section heading, in page order. */
    static Map<String, Set<String>> documented() throws IOException {
        Map<String, Set<String>> sections = new LinkedHashMap<>();
        Pattern codeSpan = Pattern.compile("`([^`]+)`");
        Set<String> current = null;
        for (String line : Files.readAllLines(PAGE)) {
            if (line.startsWith("## ")) {
                String title = line.substring(3).trim();
                current = title.equals(COMMON_SECTION) || title.startsWith("edgetorch") ? new TreeSet<>() : null;
                if (current != null && sections.put(title, current) != null) {
                    fail(PAGE + ": the heading '## " + title + "' appears twice");
                }
                continue;
            }
            if (current == null || !line.startsWith("|") || line.matches("\\|\\s*-+.*")) continue;
            String firstCell = line.split("(?<!\\\\)\\|")[1].trim();
            if (firstCell.equals("option")) continue;  // the header row
            Matcher m = codeSpan.matcher(firstCell);
            while (m.find()) {
                // `--out FILE` -> --out; `IMAGE/DIR...` -> IMAGE/DIR (a positional parameter's label)
                String name = m.group(1).split("[ =]")[0];
                current.add(name.startsWith("-") ? name : name.replaceAll("\\.\\.\\.$", ""));
            }
        }
        return sections;
    }

    /** Every command and subcommand by its qualified name ("edgetorch bridge build"), but picocli's own `help`. */
    static Map<String, CommandSpec> commands() {
        Map<String, CommandSpec> all = new LinkedHashMap<>();
        walk(Main.commandLine(), all);
        return all;
    }

    private static void walk(CommandLine cl, Map<String, CommandSpec> all) {
        if (cl.getCommand() instanceof CommandLine.HelpCommand || cl.getCommandSpec().usageMessage().hidden()) return; // internal commands have no page
        all.put(cl.getCommandSpec().qualifiedName(), cl.getCommandSpec());
        for (CommandLine sub : cl.getSubcommands().values()) walk(sub, all);
    }

    static Set<String> optionNames(CommandSpec spec) {
        Set<String> names = new TreeSet<>();
        for (OptionSpec o : spec.options()) names.addAll(List.of(o.names()));
        return names;
    }

    static Set<String> positionalLabels(CommandSpec spec) {
        Set<String> labels = new TreeSet<>();
        // "IMAGE|DIR" is written IMAGE/DIR on the page: a | inside a table's code span shows its escape.
        for (PositionalParamSpec p : spec.positionalParameters()) labels.add(p.paramLabel().replace('|', '/'));
        return labels;
    }

    @Test
    void everyOptionOfEveryCommandIsOnThePageAndEveryDocumentedOptionExists() throws IOException {
        Map<String, Set<String>> docs = documented();
        Map<String, CommandSpec> commands = commands();
        Set<String> common = docs.get(COMMON_SECTION);
        assertTrue(common != null && !common.isEmpty(), PAGE + ": no table under '## " + COMMON_SECTION + "'");
        List<String> problems = new ArrayList<>();

        CommandSpec root = commands.get("edgetorch");
        for (String name : optionNames(root)) {
            if (!common.contains(name)) {
                problems.add("`edgetorch` has the option " + name + ", which " + PAGE + " does not list under '## "
                        + COMMON_SECTION + "'");
            }
        }
        for (var entry : commands.entrySet()) {
            String command = entry.getKey();
            Set<String> actual = optionNames(entry.getValue());
            for (String name : common) {
                if (!actual.contains(name)) {
                    problems.add(PAGE + " lists " + name + " under '## " + COMMON_SECTION + "', but `" + command
                            + "` has no such option");
                }
            }
            if (command.equals("edgetorch")) continue;
            Set<String> own = new TreeSet<>(actual);
            own.removeAll(common);
            own.addAll(positionalLabels(entry.getValue()));
            Set<String> onPage = docs.get(command);
            if (onPage == null) {
                problems.add(PAGE + " has no section '## " + command + "' for the command `" + command
                        + "` (options: " + own + ")");
                continue;
            }
            for (String name : own) {
                if (!onPage.contains(name)) {
                    problems.add("`" + command + "` has the " + kind(name) + " " + name + ", which " + PAGE
                            + " does not document: add a row to the table under '## " + command + "'");
                }
            }
            for (String name : onPage) {
                if (!own.contains(name)) {
                    problems.add(PAGE + " documents the " + kind(name) + " " + name + " under '## " + command
                            + "', but `" + command + " --help` has no such " + kind(name));
                }
            }
        }
        for (String section : docs.keySet()) {
            if (!section.equals(COMMON_SECTION) && !commands.containsKey(section)) {
                problems.add(PAGE + " has a section '## " + section + "', but there is no such command");
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " difference(s) between the CLI and the docs:\n  "
                + String.join("\n  ", problems));
    }

    private static String kind(String name) {
        return name.startsWith("-") ? "option" : "positional parameter";
    }

    @Test
    void helpOfEveryCommandRunsAndShowsEachOption() {
        for (var entry : commands().entrySet()) {
            String command = entry.getKey();
            List<String> words = List.of(command.split(" "));
            List<String> args = new ArrayList<>(words.subList(1, words.size()));  // without "edgetorch"
            args.add("--help");
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, run.code(), "`" + command + " --help` exit code; stderr: " + run.err());
            assertTrue(run.out().startsWith("Usage: " + command), "`" + command + " --help` starts with its usage:\n"
                    + run.out());
            for (String name : optionNames(entry.getValue())) {
                assertTrue(Pattern.compile("(^|[\\s,\\[])" + Pattern.quote(name) + "([=,\\s\\]]|$)",
                        Pattern.MULTILINE).matcher(run.out()).find(),
                        "`" + command + " --help` does not show its option " + name + ":\n" + run.out());
            }
            assertEquals("", run.err(), "`" + command + " --help` wrote to stderr");
            if (words.size() == 2) {  // picocli's `help` takes one level: `help bench`, not `help bridge build`
                assertEquals(run.out(), CliRun.of("help", words.get(1)).out(),
                        "`edgetorch help " + words.get(1) + "` differs from `" + command + " --help`");
            }
        }
    }

    @Test
    void versionIsThePomVersionOnEveryCommand() throws IOException {
        Matcher m = Pattern.compile("<artifactId>edgetorch</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(m.find(), "pom.xml has no project version");
        String expected = "edgetorch " + m.group(1);
        for (String[] args : List.of(new String[]{"--version"}, new String[]{"-V"}, new String[]{"bench", "--version"},
                new String[]{"bridge", "build", "--version"})) {
            CliRun run = CliRun.of(args);
            assertEquals(0, run.code(), String.join(" ", args));
            assertEquals(expected, run.out().strip(), String.join(" ", args));
        }
    }

    @Test
    void verboseAddsTheStackTraceToTheOneLineError(@TempDir Path dir) {
        String missing = dir.resolve("missing.json").toString();
        String other = dir.resolve("other.json").toString();
        String line = "edgetorch: " + missing + ": no such file";

        CliRun plain = CliRun.of("compare", missing, other);
        assertEquals(1, plain.code());
        assertEquals(line, plain.err().strip(), "without --verbose: exactly one line");

        for (String[] args : List.of(new String[]{"compare", "--verbose", missing, other},
                new String[]{"--verbose", "compare", missing, other})) {
            CliRun verbose = CliRun.of(args);
            assertEquals(1, verbose.code(), String.join(" ", args));
            List<String> lines = verbose.err().lines().toList();
            assertEquals(line, lines.get(0), String.join(" ", args));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("\tat org.edgetorch.")),
                    "--verbose shows the stack trace:\n" + verbose.err());
        }

        CliRun again = CliRun.of("compare", missing, other);
        assertEquals(line, again.err().strip(), "--verbose of an earlier run does not stick");
        assertFalse(again.err().contains("\tat "));
    }
}
