package dev.fcfs.shared.job;

import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import dev.fcfs.testsupport.fuzz.Gen;
import dev.fcfs.testsupport.fuzz.Property;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder against whatever a queue entry could hold: every valid job survives a round trip, and anything else
 * (random text, random bytes, random JSON, valid entries with a few random edits) either decodes to a job that keeps
 * the invariants the worker relies on or is refused with {@link MalformedJobException}, which the worker dead-letters.
 * Any other exception would fail the whole batch on every retry and hold up the shard.
 */
class JobCodecPropertyTests {

    private final JobCodec codec = new JobCodec();

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void everyValidJobSurvivesARoundTrip() {
        Property.forAll(2000, JobCodecPropertyTests::validJob, (job) -> {
            assertThat(this.codec.decode(this.codec.encode(job))).isEqualTo(job);
        });
    }

    @Test
    void everyValidJobSurvivesTheScriptsWayOfWritingIt() {
        // enqueue.lua writes the fields in a fixed order with cjson's escaping ('/' as '\/'); equivalent JSON
        // spellings (escaped non-ASCII, other field order, spaces) mean the same job
        Property.forAll(1000, (random) -> {
            ReservationJob job = validJob(random);
            return new Object[] { job, otherSpelling(random, job) };
        }, (pair) -> assertThat(this.codec.decode((String) pair[1])).isEqualTo(pair[0]));
    }

    @Test
    void arbitraryTextDecodesToAValidJobOrIsRefusedAsMalformed() {
        Property.forAll(3000, (random) -> switch (random.nextInt(4)) {
            case 0 -> Gen.anyString(random, 80);
            case 1 -> Gen.anyBytesAsText(random, 120);
            case 2 -> Gen.anyJson(random, 4);
            default -> Gen.nested(random, 1 + random.nextInt(3000), Gen.anyJson(random, 1));
        }, this::decodesValidOrRefuses);
    }

    @Test
    void mutatedValidEntriesDecodeToValidJobsOrAreRefusedAsMalformed() {
        Property.forAll(5000, (random) -> Gen.mutate(random, this.codec.encode(validJob(random))),
                this::decodesValidOrRefuses);
    }

    @Test
    void entriesWithHostileFieldValuesDecodeToValidJobsOrAreRefusedAsMalformed() {
        Property.forAll(3000, (random) -> {
            String value = switch (random.nextInt(4)) {
                case 0 -> Gen.anyNumber(random);
                case 1 -> Gen.jsonString(Gen.anyString(random, 70));
                case 2 -> Gen.anyJson(random, 2);
                default -> Gen.oneOf(random, "null", "true", "0", "-1", "1", "\"1\"", "1.0", "[1]", "{}");
            };
            String field = Gen.oneOf(random, "v", "id", "event", "user", "pos", "at");
            return jobWith(field, value);
        }, this::decodesValidOrRefuses);
    }

    private void decodesValidOrRefuses(String raw) {
        ReservationJob job;
        try {
            job = this.codec.decode(raw);
        }
        catch (MalformedJobException ex) {
            assertThat(ex.getMessage()).isNotBlank();
            return;
        }
        assertValid(job);
        // the worker acknowledges the entry by this id: it must be the id text the entry holds
        assertThat(job.reservationId().toString()).isEqualTo(this.json.readTree(raw).get("id").asString());
    }

    /** What the worker relies on: the same rules the API applies to a request, and positive numbers. */
    static void assertValid(ReservationJob job) {
        assertThat(job.reservationId()).isNotNull();
        assertThat(job.eventId()).isPositive();
        assertThat(job.position()).isPositive();
        assertThat(job.acceptedAt()).isNotNull();
        assertThat(job.acceptedAt().toEpochMilli()).isPositive();
        assertThat(job.userId()).isNotNull().isNotBlank().hasSizeBetween(1, JobCodec.MAX_USER_ID_LENGTH);
        assertThat(job.userId().chars().noneMatch(Character::isISOControl)).as("no control characters").isTrue();
    }

    private static ReservationJob validJob(Random random) {
        UUID id = random.nextInt(10) == 0 ? new UUID(0, 0) : new UUID(random.nextLong(), random.nextLong());
        return new ReservationJob(id, positive(random), Gen.validText(random, JobCodec.MAX_USER_ID_LENGTH),
                positive(random), Instant.ofEpochMilli(positive(random)));
    }

    private static long positive(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 1;
            case 1 -> Long.MAX_VALUE;
            case 2 -> 1 + random.nextInt(1000);
            default -> 1 + (random.nextLong() & Long.MAX_VALUE - 1);
        };
    }

    /** The same job in another legal JSON spelling. */
    private static String otherSpelling(Random random, ReservationJob job) {
        StringBuilder user = new StringBuilder("\"");
        for (char c : job.userId().toCharArray()) {
            if (c == '"' || c == '\\') {
                user.append('\\').append(c);
            }
            else if (c == '/') {
                user.append("\\/");
            }
            else if (c >= 0x7f && random.nextBoolean()) {
                user.append(String.format("\\u%04x", (int) c));
            }
            else {
                user.append(c);
            }
        }
        user.append('"');
        String[] fields = { "\"v\":1", "\"id\":\"" + job.reservationId() + "\"", "\"event\":" + job.eventId(),
                "\"user\":" + user, "\"pos\":" + job.position(), "\"at\":" + job.acceptedAt().toEpochMilli() };
        for (int i = fields.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String swap = fields[i];
            fields[i] = fields[j];
            fields[j] = swap;
        }
        String space = random.nextBoolean() ? "" : " \n\t";
        return "{" + space + String.join("," + space, fields) + space + "}";
    }

    private static String jobWith(String field, String value) {
        String template = "{\"v\":1,\"id\":\"00000000-0001-8000-8000-000000000001\",\"event\":1,\"user\":\"u-1\","
                + "\"pos\":1,\"at\":1732570000123}";
        String json = template.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[0-9]+)",
                java.util.regex.Matcher.quoteReplacement("\"" + field + "\":" + value));
        return json;
    }

}
