package dev.fcfs.shared.redis;

/** Recognises Redis error replies by their error code, wherever the client library wrapped them. */
public final class RedisErrors {

    private RedisErrors() {
    }

    /**
     * Whether Redis refused a command because it is over {@code maxmemory} and may not evict: the error reply
     * {@code OOM command not allowed when used memory > 'maxmemory'} (inside a script, too), anywhere in the cause
     * chain. Such a command wrote nothing: Redis refuses a script's first memory-growing write, and a refused
     * script stops there.
     */
    public static boolean isOutOfMemory(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.startsWith("OOM ")) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

}
