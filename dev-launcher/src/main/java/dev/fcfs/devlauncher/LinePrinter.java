package dev.fcfs.devlauncher;

import java.io.PrintStream;

/**
 * Prints lines to the launcher's console with a fixed prefix, so the output of the four processes stays
 * readable when interleaved.
 */
@FunctionalInterface
interface LinePrinter {

    void println(String line);

    static LinePrinter prefixed(String name, PrintStream out) {
        String prefix = String.format("%-9s| ", name);
        return (line) -> {
            // One call per line: PrintStream.println is synchronized, so lines of two processes never mix.
            out.println(prefix + line);
        };
    }

}
