package dev.fcfs.shared.job;

import java.time.Instant;
import java.util.UUID;

import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class JobCodecTests {

    private final JobCodec codec = new JobCodec();

    @Test
    void decodesWhatItEncodes() {
        ReservationJob job = new ReservationJob(ReservationId.newFor(42), 42, "u-\"quoted\" é", 17,
                Instant.ofEpochMilli(1_732_570_000_123L));

        assertThat(this.codec.decode(this.codec.encode(job))).isEqualTo(job);
    }

    @Test
    void decodesTheFormatTheEnqueueScriptWrites() {
        UUID id = ReservationId.newFor(7);
        String raw = "{\"v\":1,\"id\":\"" + id + "\",\"event\":7,\"user\":\"a\\/b\",\"pos\":3,\"at\":1732570000123}";

        assertThat(this.codec.decode(raw))
            .isEqualTo(new ReservationJob(id, 7, "a/b", 3, Instant.ofEpochMilli(1_732_570_000_123L)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not json", "[]", "42", "{}",
            "{\"v\":2,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\"u\",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"nope\",\"event\":1,\"user\":\"u\",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"1-2-3-4-5\",\"event\":1,\"user\":\"u\",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-00000000000A\",\"event\":1,\"user\":\"u\",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":\"1\",\"user\":\"u\",\"pos\":1,"
                    + "\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":7,\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\" \",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\"a\\u0000b\",\"pos\":1,"
                    + "\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\"u\",\"pos\":0,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":-1,\"user\":\"u\",\"pos\":1,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\"u\",\"pos\":1.5,\"at\":1}",
            "{\"v\":1,\"id\":\"00000000-0000-8000-8000-000000000000\",\"event\":1,\"user\":\"u\",\"pos\":1}" })
    void rejectsEntriesThatAreNotCompleteValidJobs(String raw) {
        assertThatExceptionOfType(MalformedJobException.class).isThrownBy(() -> this.codec.decode(raw));
    }

    @Test
    void rejectsUserIdsLongerThanTheApiAccepts() {
        String raw = this.codec.encode(
                new ReservationJob(ReservationId.newFor(1), 1, "x".repeat(65), 1, Instant.now()));

        assertThatExceptionOfType(MalformedJobException.class).isThrownBy(() -> this.codec.decode(raw))
            .withMessageContaining("user");
    }

}
