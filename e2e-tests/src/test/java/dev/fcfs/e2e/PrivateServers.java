package dev.fcfs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@link PrivateRedis} and {@link PrivatePostgres} share: a directory of their own under the temporary
 * directory, free loopback ports, running commands, and cleaning up after a test JVM that died without doing so.
 *
 * <p>Every directory is named {@code fcfs-faults-*} and holds {@value #OWNER_FILE}, the pid of the test JVM that
 * made it. A later run removes the directories whose JVM is gone, after stopping whatever server still runs in them:
 * a JVM killed with SIGKILL runs no shutdown hook, and its servers would otherwise live on.
 */
final class PrivateServers {

    static final String DIRECTORY_PREFIX = "fcfs-faults-";

    static final String OWNER_FILE = "owner.pid";

    /** Set in the environment of every service process: the pid of the test JVM that started it. */
    static final String OWNER_VARIABLE = "FCFS_E2E_OWNER_PID";

    private PrivateServers() {
    }

    /** A new directory {@code fcfs-faults-<kind>-*} under the temporary directory, marked as this JVM's. */
    static Path newDirectory(String kind) {
        try {
            Path directory = Files.createTempDirectory(DIRECTORY_PREFIX + kind + "-");
            Files.writeString(directory.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
            return directory;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not create a directory for a private " + kind, ex);
        }
    }

    /** The {@code fcfs-faults-<kind>-*} directories whose test JVM is no longer alive. */
    static List<Path> orphanedDirectories(String kind) {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> entries = Files.list(temp)) {
            return entries.filter((path) -> path.getFileName().toString().startsWith(DIRECTORY_PREFIX + kind + "-"))
                .filter((path) -> !ownerAlive(path))
                .toList();
        }
        catch (IOException ex) {
            return List.of();
        }
    }

    private static boolean ownerAlive(Path directory) {
        try {
            long pid = Long.parseLong(Files.readString(directory.resolve(OWNER_FILE)).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (IOException | NumberFormatException ex) {
            // no owner file yet: a directory being made right now by another run; leave it alone
            return true;
        }
    }

    /**
     * Kills the service processes ({@link ServiceProcess}) whose test JVM is gone: they would otherwise go on trying
     * to reach servers that no longer exist. Found by {@value #OWNER_VARIABLE} in {@code /proc/<pid>/environ}
     * (Linux; elsewhere, and for processes of other users, nothing is found and nothing happens).
     */
    static void reapOrphanedServices() {
        ProcessHandle.allProcesses().forEach((process) -> {
            Path environ = Path.of("/proc", Long.toString(process.pid()), "environ");
            try {
                String environment = Files.readString(environ, StandardCharsets.ISO_8859_1);
                for (String variable : environment.split("\0")) {
                    if (variable.startsWith(OWNER_VARIABLE + "=")) {
                        long owner = Long.parseLong(variable.substring(OWNER_VARIABLE.length() + 1));
                        if (!ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                            process.destroyForcibly();
                        }
                    }
                }
            }
            catch (IOException | RuntimeException ex) {
                // gone, not readable, or not ours
            }
        });
    }

    /** Removes a directory tree, as well as it can; never fails. */
    static void deleteTree(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach((path) -> {
                try {
                    Files.deleteIfExists(path);
                }
                catch (IOException ex) {
                    // a server still writing; what is left is reaped by a later run
                }
            });
        }
        catch (IOException | UncheckedIOException ex) {
            // best effort
        }
    }

    /** A loopback port nobody listens on right now, never one of the shared servers'. */
    static int freePort() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                int port = socket.getLocalPort();
                if (port != 6379 && port != 5432) {
                    return port;
                }
            }
            catch (IOException ex) {
                throw new UncheckedIOException("No free port", ex);
            }
        }
        throw new IllegalStateException("No free port other than the shared servers'");
    }

    /** Whether this JVM runs as root (servers that refuse root are then run as another user). */
    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Runs a command to completion and returns its output.
     * @throws IllegalStateException if it fails or outlasts {@code timeout}, with its output
     */
    static String run(List<String> command, Path output, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "Timed out after " + timeout + ": " + command + "\n" + tail(output, 30));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("Exit status " + process.exitValue() + ": " + command + "\n"
                        + tail(output, 30));
            }
            return tail(output, 30);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not run " + command, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, ex);
        }
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, {@code KILL}, ...) with {@code kill(1)}. */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output.trim());
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not send SIG" + signal + " to " + pid, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while signalling " + pid, ex);
        }
    }

    /**
     * The scheduler state of a process from {@code /proc/<pid>/stat} ({@code R}, {@code S}, {@code T} for stopped,
     * ...), or {@code ?} where there is no such file (not Linux, or the process is gone).
     */
    static char processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may contain spaces and parentheses, the state follows the last ')'
            return stat.charAt(stat.lastIndexOf(')') + 2);
        }
        catch (IOException | RuntimeException ex) {
            return '?';
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException | UncheckedIOException ex) {
            return "(could not read " + file + ": " + ex + ")";
        }
    }

    /** Lists the command with a prefix (e.g. {@code runuser -u postgres --}) in front. */
    static List<String> prefixed(List<String> prefix, String... command) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(List.of(command));
        return all;
    }

}
