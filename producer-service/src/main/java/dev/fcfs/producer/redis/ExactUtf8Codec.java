package dev.fcfs.producer.redis;

import java.nio.charset.StandardCharsets;

import io.lettuce.core.codec.StringCodec;
import io.netty.buffer.ByteBufUtil;

/**
 * UTF-8, with an exact size for each argument: Lettuce then writes the argument straight into the command's buffer.
 * With {@link StringCodec#UTF8}, whose size is an estimate, it allocates (and, one time in 128, tracks for leaks with
 * a stack trace) a temporary buffer for every key and argument of a command. Text that is not valid UTF-16 (a lone
 * surrogate) is sized and written as Lettuce writes it, one {@code ?} in its place, so the stated size always
 * matches the bytes sent.
 */
public final class ExactUtf8Codec extends StringCodec {

    /** The codec; it holds no state. */
    public static final ExactUtf8Codec INSTANCE = new ExactUtf8Codec();

    private ExactUtf8Codec() {
        super(StandardCharsets.UTF_8);
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        return (keyOrValue instanceof CharSequence text) ? ByteBufUtil.utf8Bytes(text) : 0;
    }

    @Override
    public boolean isEstimateExact() {
        return true;
    }

}
