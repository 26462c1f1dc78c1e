package dev.fcfs.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP forwarder whose client-to-server direction can be held: while {@link #hold() held}, what clients
 * send is read and kept back, in order, instead of reaching the server; answers still flow back. Unlike a cut
 * ({@code TcpProxy}), nothing is closed, so for the client the request is simply still on the wire.
 *
 * <p>The fencing scenario puts it between one consumer and PostgreSQL to freeze that consumer at the worst moment:
 * a decision transaction sent (its lease was still valid when it checked) but not yet seen by the database.
 */
final class TcpGate implements AutoCloseable {

    private final String targetHost;

    private final int targetPort;

    private final ServerSocket server;

    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private final AtomicLong heldBytes = new AtomicLong();

    private final AtomicLong releasedBytes = new AtomicLong();

    private volatile boolean holding;

    private TcpGate(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-gate-" + this.server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts forwarding a free loopback port to the target, open. */
    static TcpGate to(String targetHost, int targetPort) {
        try {
            return new TcpGate(targetHost, targetPort);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    int port() {
        return this.server.getLocalPort();
    }

    /** From now on, keeps back every byte clients send. */
    void hold() {
        this.holding = true;
    }

    /** Bytes kept back since the gate was made (released or not). */
    long heldBytes() {
        return this.heldBytes.get();
    }

    /** Bytes kept back and later forwarded. */
    long releasedBytes() {
        return this.releasedBytes.get();
    }

    /**
     * The local ports of the gate's connections to the target that have bytes held back: on the target's side, the
     * client ports of the sessions waiting for them (PostgreSQL's {@code pg_stat_activity.client_port}).
     */
    Set<Integer> heldPorts() {
        Set<Integer> ports = new TreeSet<>();
        this.links.forEach((link) -> {
            if (link.hasHeld()) {
                ports.add(link.upstream.getLocalPort());
            }
        });
        return ports;
    }

    /** Forwards what is held right now, in order, and keeps holding whatever clients send after. */
    void releaseHeld() {
        this.links.forEach(Link::flushHeld);
    }

    /** Forwards everything held and stops holding. */
    void open() {
        this.holding = false;
        this.links.forEach(Link::flushHeld);
    }

    @Override
    public void close() {
        this.holding = false;
        closeQuietly(this.server);
        this.links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!this.server.isClosed()) {
            try {
                Socket client = this.server.accept();
                Socket upstream = new Socket(this.targetHost, this.targetPort);
                Link link = new Link(client, upstream);
                this.links.add(link);
                link.start();
            }
            catch (IOException ex) {
                // gate closed, or the target refused (server down): the client sees its connection dropped
            }
        }
    }

    /** One client connection and its connection to the target. */
    private final class Link {

        private final Socket client;

        private final Socket upstream;

        private final Queue<byte[]> held = new ArrayDeque<>();

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            daemon(this::clientToServer, "tcp-gate-up-" + this.client.getPort());
            daemon(this::serverToClient, "tcp-gate-down-" + this.client.getPort());
        }

        private void clientToServer() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = this.client.getInputStream()) {
                OutputStream out = this.upstream.getOutputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    synchronized (this) {
                        if (TcpGate.this.holding || !this.held.isEmpty()) {
                            this.held.add(Arrays.copyOf(buffer, read));
                            TcpGate.this.heldBytes.addAndGet(read);
                        }
                        else {
                            out.write(buffer, 0, read);
                            out.flush();
                        }
                    }
                }
            }
            catch (IOException ex) {
                // one side went away
            }
            finally {
                close();
            }
        }

        private void serverToClient() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = this.upstream.getInputStream()) {
                OutputStream out = this.client.getOutputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
            catch (IOException ex) {
                // one side went away
            }
            finally {
                close();
            }
        }

        synchronized boolean hasHeld() {
            return !this.held.isEmpty();
        }

        synchronized void flushHeld() {
            try {
                OutputStream out = this.upstream.getOutputStream();
                for (byte[] chunk = this.held.poll(); chunk != null; chunk = this.held.poll()) {
                    out.write(chunk);
                    TcpGate.this.releasedBytes.addAndGet(chunk.length);
                }
                out.flush();
            }
            catch (IOException ex) {
                close();
            }
        }

        void close() {
            closeQuietly(this.client);
            closeQuietly(this.upstream);
            TcpGate.this.links.remove(this);
        }

    }

    private static void daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            // already closed
        }
    }

}
