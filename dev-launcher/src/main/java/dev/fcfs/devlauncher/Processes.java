package dev.fcfs.devlauncher;

import java.util.concurrent.TimeUnit;

/**
 * Stopping child processes politely, then firmly.
 */
final class Processes {

    private Processes() {
    }

    /**
     * Sends SIGTERM (or the platform's equivalent) and waits; kills the process if it is still alive after
     * {@code graceSeconds}.
     * @param process the child
     * @param graceSeconds how long it may take to shut down gracefully
     */
    static void stop(Process process, int graceSeconds) {
        if (!process.isAlive()) {
            return;
        }
        // Through the ProcessHandle: Process.destroy() also closes the pipes, which would cut off the child's
        // last lines (its graceful shutdown) and turn its further writes into EPIPE.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            process.toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

}
