package dev.fcfs.testsupport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What the kit's servers share: directories of their own, free loopback ports, running commands, signals, and
 * cleaning up after a test JVM that died without running its shutdown hooks.
 *
 * <p>Every directory the kit makes is {@code fcfs-test-<kind>-*} under the temporary directory and holds
 * {@value #OWNER_FILE}, the pid of the JVM that made it. A later start of the same kind removes the directories whose
 * JVM is gone, after ending the server still running in them: a JVM killed with SIGKILL runs no shutdown hook, and
 * its servers would otherwise live on.
 */
final class Processes {

    static final String OWNER_FILE = "owner.pid";

    private static final String DIRECTORY_PREFIX = "fcfs-test-";

    private Processes() {
    }

    /** A new directory {@code fcfs-test-<kind>-*}, marked as this JVM's, after reaping the orphans of that kind. */
    static Path newDirectory(String kind, Consumer<Path> stopOrphan) {
        reapOrphans(kind, stopOrphan);
        try {
            Path directory = Files.createTempDirectory(DIRECTORY_PREFIX + kind + "-");
            Files.writeString(directory.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
            return directory;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not create a directory for a private " + kind, ex);
        }
    }

    private static void reapOrphans(String kind, Consumer<Path> stopOrphan) {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> orphans;
        try (Stream<Path> entries = Files.list(temp)) {
            orphans = entries.filter((path) -> path.getFileName().toString().startsWith(DIRECTORY_PREFIX + kind + "-"))
                .filter((path) -> !ownerAlive(path))
                .toList();
        }
        catch (IOException ex) {
            return;
        }
        for (Path orphan : orphans) {
            try {
                stopOrphan.accept(orphan);
            }
            catch (RuntimeException ex) {
                // already gone
            }
            deleteTree(orphan);
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
     * Ends the process whose pid the file holds, if it is still running and its command contains {@code name}
     * (a pid may have been reused by something else since).
     */
    static void signalRecorded(Path pidFile, String name, String signal) {
        try {
            String firstLine = Files.readAllLines(pidFile).get(0).trim();
            long pid = Long.parseLong(firstLine);
            boolean ours = ProcessHandle.of(pid)
                .flatMap((handle) -> handle.info().command())
                .map((command) -> command.contains(name))
                .orElse(false);
            if (ours) {
                signal(pid, signal);
                ProcessHandle.of(pid).ifPresent((handle) -> handle.onExit().orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally((ex) -> handle)
                    .join());
            }
        }
        catch (IOException | RuntimeException ex) {
            // never started, or already gone
        }
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
                    // a server still writing; a later run reaps what is left
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
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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

    /** Whether this JVM runs as root (servers that refuse root then run as another user). */
    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether the operating system knows a user of this name. */
    static boolean userExists(String user) {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            return true;
        }
        catch (IOException | UnsupportedOperationException ex) {
            return false;
        }
    }

    /** Gives a directory tree to a user and the group of the same name. */
    static void chownTree(Path directory, String user) {
        try (Stream<Path> paths = Files.walk(directory)) {
            UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal owner = lookup.lookupPrincipalByName(user);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(user);
            for (Path path : paths.toList()) {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
                view.setOwner(owner);
                view.setGroup(group);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not give " + directory + " to " + user, ex);
        }
    }

    /**
     * Lets other users pass through a directory and every directory above it, up to the temporary directory, that
     * this JVM's user owns (search permission only, not listing): a server running as another user must reach its
     * files inside them. Directories outside the temporary directory are left as they are.
     */
    static void makeTraversable(Path directory) {
        String me = System.getProperty("user.name");
        Path temp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        for (Path dir = directory.toAbsolutePath(); dir != null && dir.startsWith(temp) && !dir.equals(temp);
                dir = dir.getParent()) {
            try {
                if (!Files.getOwner(dir).getName().equals(me)) {
                    continue;
                }
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
                if (permissions.add(PosixFilePermission.OTHERS_EXECUTE)) {
                    Files.setPosixFilePermissions(dir, permissions);
                }
            }
            catch (IOException | UnsupportedOperationException ex) {
                // not ours to change
            }
        }
    }

    /** The first executable of this name in {@code PATH}, {@code /usr/bin}, {@code /usr/local/bin} or Homebrew's. */
    static Optional<String> binary(String name) {
        List<String> directories = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            directories.addAll(List.of(path.split(File.pathSeparator)));
        }
        directories.addAll(List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"));
        return directories.stream()
            .filter((directory) -> !directory.isBlank())
            .map((directory) -> Path.of(directory, name))
            .filter(Files::isExecutable)
            .map(Path::toString)
            .findFirst();
    }

    /**
     * The command prefix that starts a process in a session of its own ({@code setsid}), where there is one: a
     * Ctrl-C in the terminal then reaches the JVM, which stops its servers last, and not the servers directly.
     */
    static List<String> ownSession() {
        return Files.isExecutable(Path.of("/usr/bin/setsid")) ? List.of("/usr/bin/setsid") : List.of();
    }

    /**
     * Runs a command to completion, its output appended to a file.
     * @throws IllegalStateException if it fails or outlasts {@code timeout}, with the end of its output
     */
    static void run(List<String> command, Path output, Duration timeout) {
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
                throw new IllegalStateException(
                        "Exit status " + process.exitValue() + ": " + command + "\n" + tail(output, 30));
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not run " + command, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, ex);
        }
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, {@code QUIT}, ...) with {@code kill(1)}. */
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
     * Sends SIGSTOP and returns once the kernel shows the process stopped ({@code /proc/<pid>/stat}; where there is
     * no such file, at once).
     */
    static void freeze(long pid) {
        signal(pid, "STOP");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        char state = processState(pid);
        while (state != 'T' && state != '?') {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Process " + pid + " not stopped 10 s after SIGSTOP (state " + state
                        + ")");
            }
            pause(Duration.ofMillis(5));
            state = processState(pid);
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

    /**
     * SIGTERM through the process handle, SIGKILL if it has not exited within {@code grace}. (The handle, unlike
     * {@link Process#destroy()}, leaves the pipes open: the process's last lines are still read.)
     * @return the exit status, or -1 if it could not be seen
     */
    static int stop(Process process, Duration grace) {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!awaitExit(process, grace)) {
                process.toHandle().destroyForcibly();
                awaitExit(process, Duration.ofSeconds(10));
            }
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone; returns its exit status (137 on Linux and macOS). */
    static int kill(Process process) {
        process.toHandle().destroyForcibly();
        if (!awaitExit(process, Duration.ofSeconds(20))) {
            throw new IllegalStateException("Process " + process.pid() + " still alive 20 s after SIGKILL");
        }
        return process.exitValue();
    }

    static boolean awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Copies a process's output, line by line, to a consumer, on a daemon thread that ends with the output. */
    static Thread pumpLines(Process process, Consumer<String> lines, String name) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.accept(line);
                }
            }
            catch (IOException ex) {
                // the stream closes when the process ends
            }
        }, name);
        pump.setDaemon(true);
        pump.start();
        return pump;
    }

    /** Waits a while for a thread of {@link #pumpLines} to pass on the last lines of an ended process. */
    static void drain(Thread pump) {
        if (pump == null) {
            return;
        }
        try {
            pump.join(Duration.ofSeconds(5).toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of a file, to put into failure messages. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException | UncheckedIOException ex) {
            return "(could not read " + file + ": " + ex + ")";
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", ex);
        }
    }

    /** Registers a shutdown hook; returns it, for {@link #forget(Thread)}. */
    static Thread onExit(String name, Runnable task) {
        Thread hook = new Thread(task, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Removes a hook of {@link #onExit}, unless the JVM is already shutting down (then it runs anyway). */
    static void forget(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException ex) {
            // shutting down
        }
    }

}
