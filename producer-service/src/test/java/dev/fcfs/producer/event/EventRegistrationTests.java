package dev.fcfs.producer.event;

import java.time.Duration;
import java.util.Optional;

import dev.fcfs.shared.queue.QueueKeys;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/** How the accept path's fallback to PostgreSQL treats events that do not exist. */
class EventRegistrationTests {

    private static final long UNKNOWN = 7;

    private final EventRepository events = mock(EventRepository.class);

    private final EventRegistration registration = new EventRegistration(this.events,
            mock(StringRedisTemplate.class), new QueueKeys("test", 4));

    @Test
    void asksPostgresOnceForAnEventItDoesNotKnowHoweverManyRequestsFollow() {
        given(this.events.findById(UNKNOWN)).willReturn(Optional.empty());

        for (int i = 0; i < 100; i++) {
            assertThat(this.registration.restore(UNKNOWN)).isFalse();
        }

        verify(this.events, times(1)).findById(UNKNOWN);
    }

    @Test
    void asksAgainOnceTheAnswerIsASecondOld() {
        given(this.events.findById(UNKNOWN)).willReturn(Optional.empty());
        this.registration.restore(UNKNOWN);

        await().pollDelay(EventRegistration.UNKNOWN_FOR).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            this.registration.restore(UNKNOWN);
            verify(this.events, times(2)).findById(UNKNOWN);
        });
    }

    @Test
    void findsAnEventRegisteredAfterItWasAskedForAtOnce() {
        given(this.events.findById(UNKNOWN)).willReturn(Optional.empty());
        assertThat(this.registration.restore(UNKNOWN)).isFalse();
        Event created = mock(Event.class);
        given(created.getId()).willReturn(UNKNOWN);
        given(created.getWindow()).willReturn(SaleWindow.ALWAYS);
        given(this.events.findById(UNKNOWN)).willReturn(Optional.of(created));

        this.registration.register(created);

        assertThat(this.registration.restore(UNKNOWN)).isTrue();
    }

}
