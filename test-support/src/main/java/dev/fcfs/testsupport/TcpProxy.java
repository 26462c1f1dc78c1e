package dev.fcfs.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder that a test can cut and restore, to give a client a real network outage of a server
 * (Redis, PostgreSQL) without touching the server, which other test runs share. While cut, open connections are
 * closed and new ones are accepted and dropped at once.
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;

    private final int targetPort;

    private final ServerSocket server;

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private volatile boolean cut;

    private TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + this.server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
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
        this.open.forEach(TcpProxy::closeQuietly);
        this.open.clear();
    }

    public void restore() {
        this.cut = false;
    }

    @Override
    public void close() {
        cut();
        closeQuietly(this.server);
    }

    private void acceptLoop() {
        while (!this.server.isClosed()) {
            try {
                Socket client = this.server.accept();
                if (this.cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket upstream = new Socket(this.targetHost, this.targetPort);
                this.open.add(client);
                this.open.add(upstream);
                if (this.cut) {
                    // cut() ran while this connection was being set up, maybe after it closed what it found open
                    disconnect(client, upstream);
                    continue;
                }
                pipe(client, upstream);
                pipe(upstream, client);
            }
            catch (IOException ex) {
                // server closed, or the target refused: the client sees its connection dropped
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) != -1) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
            catch (IOException ex) {
                // one side went away: close both below
            }
            finally {
                disconnect(from, to);
            }
        }, "tcp-proxy-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes both ends of one forwarded connection and forgets them. */
    private void disconnect(Socket one, Socket other) {
        closeQuietly(one);
        closeQuietly(other);
        this.open.remove(one);
        this.open.remove(other);
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
