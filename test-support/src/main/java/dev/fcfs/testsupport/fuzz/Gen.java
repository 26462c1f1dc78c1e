package dev.fcfs.testsupport.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generators of hostile input for {@link Property}: strings drawn from the characters that break parsers (controls,
 * quotes and backslashes, Unicode whitespace, surrogate pairs and lone surrogates, non-characters), random JSON
 * documents, numbers far outside any range, deep nesting, and mutations of valid documents.
 */
public final class Gen {

    private static final String ASCII = "abcXYZ019 -_.:@+=*~!?#$%&'()";

    private static final String JSON_SYNTAX = "{}[],:\"\\/ \t\n";

    private static final char[] UNICODE = { '\u00e9', '\u00df', '\u0416', '\u4e2d', '\u05d0', '\u0301', '\u00a0',
            '\u2003', '\u2028', '\u2029', '\u3000', '\u200b', '\ufeff', '\ufffd', '\uffff', '\ufffe', '\u0085' };

    /** Keys that mean something to the reservation API or the job format, so that random objects come close. */
    private static final List<String> KNOWN_KEYS = List.of("userId", "v", "id", "event", "user", "pos", "at", "name",
            "capacity", "__proto__", "");

    private Gen() {
    }

    /** One character from the hostile pools. */
    public static char anyChar(Random random) {
        return switch (random.nextInt(8)) {
            case 0, 1 -> ASCII.charAt(random.nextInt(ASCII.length()));
            case 2 -> JSON_SYNTAX.charAt(random.nextInt(JSON_SYNTAX.length()));
            case 3 -> (char) random.nextInt(0x20);
            case 4 -> (char) (0x7f + random.nextInt(0x21));
            case 5 -> UNICODE[random.nextInt(UNICODE.length)];
            case 6 -> (char) (0xd800 + random.nextInt(0x800));
            default -> (char) random.nextInt(0x10000);
        };
    }

    /** A string of up to {@code maxLength} characters from the hostile pools (surrogate pairs and lone halves). */
    public static String anyString(Random random, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder text = new StringBuilder(length + 1);
        while (text.length() < length) {
            if (random.nextInt(10) == 0) {
                text.appendCodePoint(0x1f600 + random.nextInt(0x50));
            }
            else {
                text.append(anyChar(random));
            }
        }
        return text.toString();
    }

    /**
     * A string that a strict reader of user ids accepts: 1 to {@code maxLength} characters, not blank, without
     * control characters or lone surrogates, but otherwise from the hostile pools.
     */
    public static String validText(Random random, int maxLength) {
        StringBuilder text = new StringBuilder();
        int length = 1 + random.nextInt(maxLength);
        while (text.length() < length) {
            char c = anyChar(random);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                continue;
            }
            if (random.nextInt(12) == 0 && text.length() + 2 <= length) {
                text.appendCodePoint(0x1f600 + random.nextInt(0x50));
            }
            else {
                text.append(c);
            }
        }
        if (text.toString().isBlank()) {
            text.setCharAt(0, 'u');
        }
        return text.toString();
    }

    /** The JSON string literal for {@code text}: quotes, backslashes, controls and lone surrogates escaped. */
    public static String jsonString(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            }
            else if (c < 0x20 || Character.isSurrogate(c) && !isPaired(text, i)) {
                json.append(String.format("\\u%04x", (int) c));
            }
            else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    /** A well-formed JSON document of random shape, nested at most {@code depth} deep. */
    public static String anyJson(Random random, int depth) {
        int kind = random.nextInt((depth > 0) ? 9 : 6);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> anyNumber(random);
            case 3, 4, 5 -> jsonString(anyString(random, 12));
            case 6 -> {
                StringBuilder array = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.append(anyJson(random, depth - 1)).append((i > 1) ? "," : "");
                }
                yield array.append(']').toString();
            }
            default -> {
                StringBuilder object = new StringBuilder("{");
                for (int i = random.nextInt(4); i > 0; i--) {
                    String key = random.nextBoolean() ? KNOWN_KEYS.get(random.nextInt(KNOWN_KEYS.size()))
                            : anyString(random, 8);
                    object.append(jsonString(key)).append(':').append(anyJson(random, depth - 1))
                        .append((i > 1) ? "," : "");
                }
                yield object.append('}').toString();
            }
        };
    }

    /**
     * A JSON number: small, negative, at the edges of {@code long}, fractional, with exponents, or hundreds of digits.
     */
    public static String anyNumber(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> Integer.toString(random.nextInt(100));
            case 1 -> Long.toString(-1 - random.nextInt(1000));
            case 2 -> Long.toString(Long.MAX_VALUE - random.nextInt(3));
            case 3 -> "9223372036854775808";
            case 4 -> Long.toString(Long.MIN_VALUE);
            case 5 -> random.nextInt(10) + "." + random.nextInt(1000);
            case 6 -> random.nextInt(10) + "e" + (random.nextBoolean() ? "-" : "") + random.nextInt(400);
            case 7 -> "1.0";
            default -> digits(random, 20 + random.nextInt(2000));
        };
    }

    /** A positive integer of exactly {@code count} digits. */
    public static String digits(Random random, int count) {
        StringBuilder digits = new StringBuilder(count).append((char) ('1' + random.nextInt(9)));
        while (digits.length() < count) {
            digits.append((char) ('0' + random.nextInt(10)));
        }
        return digits.toString();
    }

    /** {@code depth} nested arrays (or objects) around {@code inner}. */
    public static String nested(Random random, int depth, String inner) {
        boolean arrays = random.nextBoolean();
        StringBuilder json = new StringBuilder(depth * 8 + inner.length());
        for (int i = 0; i < depth; i++) {
            json.append(arrays ? "[" : "{\"a\":");
        }
        json.append(inner);
        for (int i = 0; i < depth; i++) {
            json.append(arrays ? "]" : "}");
        }
        return json.toString();
    }

    /**
     * A few random edits of {@code valid}: characters flipped, inserted, deleted or duplicated, the text cut short,
     * a stretch copied elsewhere (duplicate keys), a digit changed, a quote or brace removed.
     */
    public static String mutate(Random random, String valid) {
        StringBuilder text = new StringBuilder(valid);
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
            int at = (text.length() == 0) ? 0 : random.nextInt(text.length());
            switch (random.nextInt(8)) {
                case 0 -> {
                    if (text.length() > 0) {
                        text.setCharAt(at, anyChar(random));
                    }
                }
                case 1 -> text.insert(at, anyString(random, 4));
                case 2 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(4)));
                case 3 -> text.setLength(at);
                case 4 -> {
                    int end = Math.min(text.length(), at + 1 + random.nextInt(30));
                    String copy = text.substring(at, end);
                    text.insert(random.nextInt(text.length() + 1), copy);
                }
                case 5 -> {
                    int digit = indexOfAny(text, "0123456789", at);
                    if (digit >= 0) {
                        text.setCharAt(digit, (char) ('0' + random.nextInt(10)));
                    }
                }
                case 6 -> {
                    int syntax = indexOfAny(text, "\"{}[],:", at);
                    if (syntax >= 0) {
                        text.deleteCharAt(syntax);
                    }
                }
                default -> text.insert(at, random.nextBoolean() ? "," + anyJson(random, 1) : anyJson(random, 2));
            }
        }
        return text.toString();
    }

    /** Random bytes read as UTF-8 (malformed sequences become U+FFFD) or as Latin-1 (every byte a character). */
    public static String anyBytesAsText(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return new String(bytes, random.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    }

    /** One of the given values. */
    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    private static boolean isPaired(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    private static int indexOfAny(CharSequence text, String characters, int from) {
        for (int i = 0; i < text.length(); i++) {
            int index = (from + i) % text.length();
            if (characters.indexOf(text.charAt(index)) >= 0) {
                return index;
            }
        }
        return -1;
    }

}
