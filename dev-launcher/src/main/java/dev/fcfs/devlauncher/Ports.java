package dev.fcfs.devlauncher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Chooses TCP ports for the try-out: the usual one when it is free, any free one otherwise, so that the launcher
 * runs next to a real PostgreSQL, Redis or another copy of the services.
 */
final class Ports {

    private Ports() {
    }

    /**
     * Returns {@code preferred} if nothing listens on it, else a free port chosen by the operating system. Another
     * process may take the port before the server binds it; for a development launcher that risk is accepted.
     * @param preferred the conventional port (5432, 6379, 8080, ...)
     * @return a port that was free a moment ago
     */
    static int preferredOrFree(int preferred) {
        return isFree(preferred) ? preferred : anyFree();
    }

    static boolean isFree(int port) {
        // The wildcard address conflicts with a listener on any local address (127.0.0.1, ::1 or all of them).
        // SO_REUSEADDR, as the servers themselves set it: a listener still conflicts, but the TIME_WAIT
        // connections of a run that just ended do not (without it, 8080 looks taken for a minute after a restart).
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    static int anyFree() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("No free TCP port", ex);
        }
    }

}
