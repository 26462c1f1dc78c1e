package dev.fcfs.producer.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The JSON reader refuses whatever it would otherwise have to guess at. */
class StrictJsonTests {

    private final JsonMapper mapper = strictMapper();

    record Sample(String text, int number, Integer boxed, boolean flag) {
    }

    @Test
    void readsWellTypedInput() {
        Sample sample = this.mapper.readValue("{\"text\":\"t\",\"number\":1,\"boxed\":2,\"flag\":true}", Sample.class);

        assertThat(sample).isEqualTo(new Sample("t", 1, 2, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"text\":123,\"number\":1,\"boxed\":2,\"flag\":true}",
            "{\"text\":1.5,\"number\":1,\"boxed\":2,\"flag\":true}",
            "{\"text\":false,\"number\":1,\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":\"1\",\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":\"2\",\"flag\":true}",
            "{\"text\":\"t\",\"number\":1.5,\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":2.0,\"flag\":true}",
            "{\"text\":\"t\",\"number\":true,\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":null,\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":\"\",\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":2,\"flag\":\"true\"}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":2,\"flag\":1}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":2,\"flag\":true,\"other\":0}",
            "{\"text\":\"t\",\"text\":\"u\",\"number\":1,\"boxed\":2,\"flag\":true}",
            "{\"text\":\"t\",\"number\":1,\"boxed\":2,\"flag\":true} {}",
            "{\"text\":[\"t\"],\"number\":1,\"boxed\":2,\"flag\":true}" })
    void refusesInputThatNeedsGuessing(String json) {
        assertThatExceptionOfType(JacksonException.class).isThrownBy(() -> this.mapper.readValue(json, Sample.class));
    }

    @Test
    void theDefaultMapperWouldHaveGuessed() {
        // guards the test above: without the customizer, these are quietly accepted
        JsonMapper lenient = JsonMapper.builder().build();

        assertThat(lenient.readValue("{\"text\":123,\"number\":\"1\",\"boxed\":2,\"flag\":true}", Sample.class))
            .isEqualTo(new Sample("123", 1, 2, true));
    }

    private static JsonMapper strictMapper() {
        JsonMapper.Builder builder = JsonMapper.builder();
        new JsonConfiguration().strictJsonInput().customize(builder);
        return builder.build();
    }

}
