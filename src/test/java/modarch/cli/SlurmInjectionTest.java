package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `sweep slurm` with hostile values: each one that would reach the script is either refused (one line, exit 2,
 * nothing written) or quoted so that bash reads it as one word; sbatch sees every directive before the first
 * command; and running the script with a fake launcher runs nothing but the launcher, with the intended arguments.
 */
class SlurmInjectionTest {
    /** Newlines, command substitutions, backticks, quotes, ';', and what sbatch itself reads in an #SBATCH line. */
    private static final String[] HOSTILE = {
        "x\ntouch pwned-newline", "x\n#SBATCH --wrap=touch", "x$(touch pwned-dollar)", "x`touch pwned-tick`",
        "x'; touch pwned-quote; '", "x\"; touch pwned-dquote; \"", "x; touch pwned-semicolon", "x y", "x#y", "x\\y",
    };

    @TempDir
    Path tmp;

    private Path sweepFile(Path at) throws IOException {
        Files.createDirectories(at.getParent());
        Files.writeString(at, SweepCliTest.tinySweep("1e-3", 4));
        return at;
    }

    private void assertRefusedAndNothingWritten(CliTest.Result result, Path out, String what) {
        assertEquals(2, result.code(), what + ": " + result.err());
        assertEquals(1, result.err().strip().lines().count(), what + ": " + result.err());
        assertTrue(result.err().startsWith("modarch: error: "), result.err());
        assertFalse(Files.exists(out), what + ": bad input writes nothing");
    }

    @Test
    void resultsFoldersThatCannotBeWrittenSafelyIntoTheScriptAreRefused() throws IOException {
        Path file = sweepFile(tmp.resolve("tiny.yaml"));
        List<String> folders = new ArrayList<>(List.of(HOSTILE));
        folders.add("x%a"); // sbatch would expand it in --output
        for (String folder : folders) {
            Path out = tmp.resolve(folder);
            CliTest.Result result = CliTest.run("sweep", "slurm", file.toString(), "--out", out.toString(), "--partition", "p");
            assertRefusedAndNothingWritten(result, out, "--out " + folder);
            assertTrue(result.err().contains("the results folder ") && result.err().contains(tmp.toString())
                    && result.err().contains(" (--out)"), result.err());
            assertFalse(folder.contains("\n") && !result.err().contains("x\\n"), "a line break is shown as \\n: " + result.err());
            assertTrue(result.err().contains("#SBATCH --output"), result.err());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--partition", "--time", "--account", "--mem"})
    void directiveValuesOutsideThePlainCharactersAreRefused(String option) throws IOException {
        Path file = sweepFile(tmp.resolve("tiny.yaml"));
        Path out = tmp.resolve("results");
        for (String value : HOSTILE) {
            List<String> args = new ArrayList<>(List.of("sweep", "slurm", file.toString(), "--out", out.toString(), option, value));
            if (!option.equals("--partition")) args.addAll(List.of("--partition", "p"));
            CliTest.Result result = CliTest.run(args.toArray(String[]::new));
            assertRefusedAndNothingWritten(result, out, option + " " + value);
            assertTrue(result.err().contains(option + " "), result.err());
        }
    }

    @Test
    void aSweepNameThatCouldNotBeAJobNameIsRefused() throws IOException {
        Path out = tmp.resolve("results");
        for (String name : List.of("\"x$(touch pwned)\"", "\"x`touch pwned`\"", "\"x; touch pwned\"", "\"x\\ntouch pwned\"")) {
            Path file = tmp.resolve("named.yaml");
            Files.writeString(file, SweepCliTest.tinySweep("1e-3", 4).replace("name: tiny", "name: " + name));
            CliTest.Result result = CliTest.run("sweep", "slurm", file.toString(), "--out", out.toString(), "--partition", "p");
            assertRefusedAndNothingWritten(result, out, "name: " + name);
        }
    }

    /**
     * A launcher and a sweep file at hostile paths (the launcher is quoted rather than refused, unless it holds a
     * line break): the script parses, sbatch sees every directive, and running it calls the fake launcher with the
     * intended arguments and nothing else.
     */
    @Test
    void hostileLauncherAndSweepFilePathsAreQuotedAndRunNothingElse() throws Exception {
        String before = System.getProperty("modarch.launcher");
        try {
            for (int i = 0; i < HOSTILE.length; i++) {
                Path dir = tmp.resolve("case" + i);
                Path launcher = fakeLauncher(dir.resolve(HOSTILE[i]).resolve("modarch"));
                Path file = sweepFile(dir.resolve(HOSTILE[i]).resolve("sweep " + HOSTILE[i] + ".yaml"));
                Path out = dir.resolve("results");
                System.setProperty("modarch.launcher", launcher.toString());
                CliTest.Result result = CliTest.run("sweep", "slurm", file.toString(), "--out", out.toString(), "--partition", "p");
                if (HOSTILE[i].contains("\n")) { // no line of the script may hold a line break
                    assertRefusedAndNothingWritten(result, out, "launcher " + launcher);
                    assertTrue(result.err().contains("the launcher's path"), result.err());
                    continue;
                }
                assertEquals(0, result.code(), HOSTILE[i] + ": " + result.err());
                Path script = out.resolve("slurm/sweep.sbatch");
                Path args = dir.resolve("args.txt");
                assertEquals(0, bash(dir, args, "-n", script.toString()).exitValue(), HOSTILE[i] + ": bash -n " + script);
                assertDirectivesBeforeTheFirstCommand(Files.readAllLines(script));
                Process run = bash(dir, args, script.toString());
                assertEquals(0, run.exitValue(), HOSTILE[i] + ": " + new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                assertEquals(List.of("sweep", "run", out.resolve("sweep.yaml").toString(), "--out", out.toString(), "--group", "1",
                        "--device", "cpu"), Files.readAllLines(args), HOSTILE[i]);
                try (Stream<Path> all = Files.walk(tmp)) {
                    assertEquals(List.of(), all.filter(p -> p.getFileName().toString().startsWith("pwned")).toList(), HOSTILE[i]);
                }
            }
        } finally {
            if (before == null) System.clearProperty("modarch.launcher");
            else System.setProperty("modarch.launcher", before);
        }
    }

    /** A launcher that writes its arguments, one a line, to $ARGS_FILE. */
    private static Path fakeLauncher(Path at) throws IOException {
        Files.createDirectories(at.getParent());
        Files.writeString(at, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_FILE\"\n");
        Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwx------"));
        return at;
    }

    /** bash with these arguments in dir (where an injected relative `touch` would land), as array task 1. */
    private static Process bash(Path dir, Path argsFile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("SLURM_ARRAY_TASK_ID", "1");
        builder.environment().put("SLURM_JOB_ID", "7");
        builder.environment().put("ARGS_FILE", argsFile.toString());
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "bash " + command);
        return process;
    }

    /**
     * What sbatch reads: the #SBATCH lines up to the first command. Every #SBATCH line of the script must be among
     * them, and each must be one word (no quote, backslash, '#' or space, which sbatch would read its own way).
     */
    private static void assertDirectivesBeforeTheFirstCommand(List<String> lines) {
        boolean commandSeen = false;
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith("#SBATCH")) {
                assertFalse(commandSeen, "#SBATCH after the first command, which sbatch ignores: " + line);
                assertTrue(line.matches("#SBATCH --[a-z-]+=[A-Za-z0-9_.,:@%+=/-]+|#SBATCH --requeue"), line);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                commandSeen = true;
            }
        }
        assertTrue(commandSeen, "the script runs a command");
    }
}
