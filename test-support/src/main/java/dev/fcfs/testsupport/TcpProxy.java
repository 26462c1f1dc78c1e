package dev.fcfs.testsupport;

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

/**
 * A faulty link: a loopback TCP forwarder to a server (Redis, PostgreSQL) that a test can break without touching the
 * server, which other clients or test runs may share. Two faults, each undone by {@link #restore()}:
 * <ul>
 * <li>{@link #cut()}: a network outage. Open connections are closed; new ones are accepted and dropped at once.</li>
 * <li>{@link #hold()}: a request stuck on the wire. What clients send is read and kept back, in order, instead of
 * reaching the server; answers still flow back, nothing is closed. {@link #releaseHeld()} lets what is held through
 * while holding on.</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;

    private final int targetPort;

    private final ServerSocket server;

    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private volatile boolean cut;

    private volatile boolean holding;

    private TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "tcp-proxy-" + this.server.getLocalPort());
    }

    /** Starts forwarding a free loopback port to the target. */
    public static TcpProxy to(String targetHost, int targetPort) {
        try {
            return new TcpProxy(targetHost, targetPort);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return this.server.getLocalPort();
    }

    /** Drops every connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        this.cut = true;
        this.links.forEach(Link::close);
    }

    /** From now on, keeps back every byte clients send, until {@link #releaseHeld()} or {@link #restore()}. */
    public void hold() {
        this.holding = true;
    }

    /** Forwards what is held right now, in order, and keeps holding whatever clients send after. */
    public void releaseHeld() {
        this.links.forEach(Link::flushHeld);
    }

    /** Ends a cut or a hold: forwards everything held, and everything clients send from now on. */
    public void restore() {
        this.cut = false;
        this.holding = false;
        this.links.forEach(Link::flushHeld);
    }

    /**
     * The local ports of the proxy's connections to the target that have bytes held back: on the target's side, the
     * client ports of the sessions waiting for them (PostgreSQL's {@code pg_stat_activity.client_port}).
     */
    public Set<Integer> heldPorts() {
        Set<Integer> ports = new TreeSet<>();
        this.links.forEach((link) -> {
            if (link.hasHeld()) {
                ports.add(link.upstream.getLocalPort());
            }
        });
        return ports;
    }

    @Override
    public void close() {
        this.holding = false;
        closeQuietly(this.server);
        cut();
    }

    private void acceptLoop() {
        while (!this.server.isClosed()) {
            try {
                Socket client = this.server.accept();
                if (this.cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket upstream;
                try {
                    upstream = new Socket(this.targetHost, this.targetPort);
                }
                catch (IOException ex) {
                    // the target refused (server down): the client sees its connection dropped
                    closeQuietly(client);
                    continue;
                }
                Link link = new Link(client, upstream);
                this.links.add(link);
                if (this.cut) {
                    // cut() ran while this connection was being set up, maybe after it closed what it found open
                    link.close();
                    continue;
                }
                link.start();
            }
            catch (IOException ex) {
                // the proxy is closed
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
            daemon(() -> forward(this.client, this.upstream, true), "tcp-proxy-up-" + this.client.getPort());
            daemon(() -> forward(this.upstream, this.client, false), "tcp-proxy-down-" + this.client.getPort());
        }

        /** Copies one direction until either side goes away; what clients send may be held. */
        private void forward(Socket from, Socket to, boolean fromClient) {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
                    if (fromClient) {
                        send(out, buffer, read);
                    }
                    else {
                        out.write(buffer, 0, read);
                        out.flush();
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

        private synchronized void send(OutputStream out, byte[] buffer, int length) throws IOException {
            if (TcpProxy.this.holding || !this.held.isEmpty()) {
                this.held.add(Arrays.copyOf(buffer, length));
            }
            else {
                out.write(buffer, 0, length);
                out.flush();
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
            TcpProxy.this.links.remove(this);
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
