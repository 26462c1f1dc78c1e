package dev.fcfs.testsupport;

/**
 * What every process of the kit is started with, whatever it runs: its port, and whether a shutdown hook ends it.
 * @param <B> the builder
 */
abstract class ProcessOptions<B extends ProcessOptions<B>> {

    int port;

    boolean shutdownHook = true;

    /** A fixed port; by default a free one. */
    public B port(int port) {
        this.port = port;
        return self();
    }

    /**
     * Leaves ending the process to the caller, also when the JVM exits: by default a shutdown hook ends it, so that a
     * test JVM that exits without closing it leaves nothing running (a launcher with a shutdown hook of its own, which
     * stops its processes in an order, does without).
     */
    public B noShutdownHook() {
        this.shutdownHook = false;
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

}
