package dev.fcfs.loadgen;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The live progress line: rewritten in place on a terminal, one complete line per interval otherwise (a log or a
 * pipe then reads line by line instead of receiving one endless line of carriage returns), or nothing at all.
 */
final class Progress {

    /** How progress is shown. */
    enum Mode {

        /** One line rewritten in place with a carriage return, four times a second. */
        TTY(Duration.ofMillis(250)),

        /** One newline-terminated line per second. */
        LINES(Duration.ofSeconds(1)),

        /** No progress lines. */
        OFF(Duration.ofSeconds(1));

        private final Duration interval;

        Mode(Duration interval) {
            this.interval = interval;
        }

        /** How often a line is shown. */
        Duration interval() {
            return this.interval;
        }

        /** {@code tty}, {@code lines} or {@code off}. */
        static Mode parse(String text) {
            return Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        }

    }

    private final Mode mode;

    private final PrintStream out;

    private int shown;

    Progress(Mode mode, PrintStream out) {
        this.mode = mode;
        this.out = out;
    }

    /** The mode asked for, or else tty on a terminal and lines anywhere else. */
    static Mode choose(Mode requested, boolean terminal) {
        if (requested != null) {
            return requested;
        }
        return terminal ? Mode.TTY : Mode.LINES;
    }

    /**
     * Whether standard error, where the progress goes, is a terminal. Linux tells through {@code /proc/self/fd/2};
     * elsewhere this falls back to whether the JVM has an interactive console (which also needs stdin and stdout
     * to be terminals).
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        }
        catch (IOException | UnsupportedOperationException | SecurityException ex) {
            return consoleIsTerminal();
        }
    }

    Mode mode() {
        return this.mode;
    }

    /** Shows the latest line. */
    synchronized void update(String line) {
        switch (this.mode) {
            case TTY -> this.out.print("\r" + padded(line));
            case LINES -> this.out.println(line);
            case OFF -> {
            }
        }
        this.out.flush();
    }

    /** Shows the last line and ends it, so that what is printed next starts on a line of its own. */
    synchronized void finish(String line) {
        switch (this.mode) {
            case TTY -> this.out.println("\r" + padded(line));
            case LINES -> this.out.println(line);
            case OFF -> {
            }
        }
        this.out.flush();
    }

    /** The line, with spaces over whatever is left of a longer line shown before. */
    private String padded(String line) {
        int previous = this.shown;
        this.shown = line.length();
        return (line.length() >= previous) ? line : line + " ".repeat(previous - line.length());
    }

    /**
     * From Java 22 on, {@link System#console()} exists even when redirected, and only {@code Console.isTerminal()}
     * (looked up by name: the build targets Java 17) says whether it is one.
     */
    private static boolean consoleIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        }
        catch (NoSuchMethodException ex) {
            return true;
        }
        catch (ReflectiveOperationException | RuntimeException ex) {
            return false;
        }
    }

}
