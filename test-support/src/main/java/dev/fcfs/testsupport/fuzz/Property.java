package dev.fcfs.testsupport.fuzz;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A property checked against many generated inputs: the shape of a property-based test, without a framework.
 * Every run draws a new seed, so that runs together cover more inputs than any one; a failure names the seed, the
 * try and the input, and {@code -Dfcfs.fuzz.seed=<seed>} replays exactly that run. There is no shrinking: the
 * generators keep inputs small enough to read.
 */
public final class Property {

    /** System property that fixes the seed (to replay a failure). */
    public static final String SEED = "fcfs.fuzz.seed";

    private static final int MAX_SHOWN = 600;

    private Property() {
    }

    /**
     * Checks {@code property} on {@code tries} inputs from {@code generator}.
     * @throws AssertionError naming seed, try and input when the property throws anything
     */
    public static <T> void forAll(int tries, Function<Random, T> generator, Consumer<T> property) {
        long seed = Long.getLong(SEED, ThreadLocalRandom.current().nextLong());
        Random random = new Random(seed);
        for (int i = 1; i <= tries; i++) {
            T input = generator.apply(random);
            try {
                property.accept(input);
            }
            catch (Throwable failure) {
                throw new AssertionError("Property failed on try " + i + " of " + tries + " (replay with -D" + SEED
                        + "=" + seed + ") for input " + show(input) + ": " + failure, failure);
            }
        }
    }

    /** The input as Java source would write it: control, non-ASCII and surrogate characters escaped, cut short. */
    public static String show(Object input) {
        String text = String.valueOf(input);
        StringBuilder shown = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 16);
        for (int i = 0; i < text.length() && shown.length() < MAX_SHOWN; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                shown.append(c);
            }
            else {
                shown.append(String.format("\\u%04x", (int) c));
            }
        }
        if (shown.length() >= MAX_SHOWN) {
            shown.append("... (").append(text.length()).append(" characters)");
        }
        return "\"" + shown + "\"";
    }

}
