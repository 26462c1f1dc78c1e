package dev.fcfs.producer.security;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class SecurityGateTests {

    @Test
    void letsOnlyThePlainFormOfTheReservationRoutesSkipTheProxy() {
        assertThat(plain("POST", "/events/42/reservations")).isTrue();
        assertThat(plain("POST", "/events/9223372036854775807/reservations")).isTrue();
        assertThat(plain("GET", "/reservations/0190a7c4-1b2c-7def-8000-0123456789ab")).isTrue();
    }

    @Test
    void sendsEverythingElseThroughTheProxy() {
        // anything Spring MVC might read as another route, or that the firewall should see
        for (String uri : new String[] { "/events", "/events/", "/events/42", "/events//reservations",
                "/events/4%32/reservations", "/events/42;x=1/reservations", "/events/42/reservations/",
                "/events/42/reservations;x", "/events/12345678901234567890/reservations", "/events/-1/reservations",
                "/admin/dead-letters", "/app/events/42/reservations", "/events/42/../reservations" }) {
            assertThat(plain("POST", uri)).as(uri).isFalse();
        }
        for (String uri : new String[] { "/reservations/", "/reservations/0190a7c4-1b2c-7def-8000-0123456789a",
                "/reservations/0190a7c4-1b2c-7def-8000-0123456789ab/", "/reservations/..%2F..%2Fadmin%2Fdead-letter",
                "/reservations;x/0190a7c4-1b2c-7def-8000-0123456789" }) {
            assertThat(plain("GET", uri)).as(uri).isFalse();
        }
        assertThat(plain("PATCH", "/events/42/reservations")).isFalse();
        assertThat(plain("DELETE", "/reservations/0190a7c4-1b2c-7def-8000-0123456789ab")).isFalse();
    }

    private static boolean plain(String method, String uri) {
        return SecurityGate.isPlainReservationRoute(new MockHttpServletRequest(method, uri));
    }

}
