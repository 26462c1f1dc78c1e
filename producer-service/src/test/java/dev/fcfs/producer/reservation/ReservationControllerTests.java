package dev.fcfs.producer.reservation;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import dev.fcfs.producer.event.EventRegistration;
import dev.fcfs.producer.security.CallerIdentity;
import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.reservation.RejectionReason;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.shared.reservation.ReservationStatus;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The reservation endpoints with Redis and PostgreSQL replaced by mocks: which calls each outcome makes, and how
 * failures of the backing servers are answered.
 */
@WebMvcTest(value = ReservationController.class, excludeAutoConfiguration = { ServletWebSecurityAutoConfiguration.class,
        UserDetailsServiceAutoConfiguration.class, SecurityFilterAutoConfiguration.class })
@Import({ ReservationService.class, ReservationAnswers.class, ReservationControllerTests.Config.class })
class ReservationControllerTests {

    private static final long EVENT = 7;

    private final JobCodec codec = new JobCodec();

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private EnqueueBatcher batcher;

    @MockitoBean
    private DecidedReservations decided;

    @MockitoBean
    private EventRegistration registration;

    // a mock answers null: no request is the warm-up's
    @MockitoBean
    private WarmupTraffic warmup;

    @Test
    void neverCallsRedisForEventIdsOutsideTheRangeOfReservationIds() throws Exception {
        reserve(0, "u-1").andExpect(status().isNotFound());
        reserve(ReservationId.MAX_EVENT_ID + 1, "u-1").andExpect(status().isNotFound());

        verifyNoInteractions(this.batcher, this.registration);
    }

    @Test
    void registersAnEventRedisDoesNotKnowAndEnqueuesOnceMoreWithTheSameId() throws Exception {
        given(this.batcher.enqueue(any(), eq(EVENT), eq("u-1"), isNull())).willReturn(refused(Status.NO_EVENT))
            .willAnswer((call) -> accepted(call.getArgument(0), "u-1", 42));
        given(this.registration.restore(EVENT)).willReturn(true);

        reserve(EVENT, "u-1").andExpect(status().isAccepted())
            .andExpect(jsonPath("$.position").value(42))
            .andExpect(jsonPath("$.status").value("PENDING"));

        ArgumentCaptor<UUID> ids = ArgumentCaptor.forClass(UUID.class);
        verify(this.batcher, times(2)).enqueue(ids.capture(), eq(EVENT), eq("u-1"), isNull());
        assertThat(ids.getAllValues().get(1)).isEqualTo(ids.getAllValues().get(0));
    }

    @Test
    void answers404AndEnqueuesNoMoreForAnEventPostgresDoesNotKnowEither() throws Exception {
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any())).willReturn(refused(Status.NO_EVENT));
        given(this.registration.restore(EVENT)).willReturn(false);

        reserve(EVENT, "u-1").andExpect(status().isNotFound())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));

        verify(this.batcher, times(1)).enqueue(any(), anyLong(), anyString(), any());
    }

    @Test
    void answersNotOpenWithRetryAfterInWholeSecondsByRedisTimeRoundedUp() throws Exception {
        Instant redisNow = Instant.parse("2030-01-01T00:00:00Z");
        Instant opensAt = redisNow.plusMillis(90_001);
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any()))
            .willReturn(new EnqueueBatch.Outcome(Status.NOT_OPEN, null, null, opensAt, redisNow))
            .willReturn(new EnqueueBatch.Outcome(Status.NOT_OPEN, null, null, redisNow.plusMillis(20), redisNow));

        reserve(EVENT, "u-1").andExpect(status().isConflict())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(header().string("Retry-After", "91"))
            .andExpect(jsonPath("$.type").value("/problems/not-open"))
            .andExpect(jsonPath("$.opensAt").value("2030-01-01T00:01:30.001Z"));
        // never 0: a retry at once would still be early
        reserve(EVENT, "u-1").andExpect(header().string("Retry-After", "1"));
    }

    @Test
    void answersClosedWithoutRetryAfter() throws Exception {
        Instant closesAt = Instant.parse("2030-01-01T00:00:00Z");
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any()))
            .willReturn(new EnqueueBatch.Outcome(Status.CLOSED, null, null, closesAt, closesAt.plusSeconds(5)));

        reserve(EVENT, "u-1").andExpect(status().isConflict())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(header().doesNotExist("Retry-After"))
            .andExpect(jsonPath("$.type").value("/problems/closed"))
            .andExpect(jsonPath("$.closesAt").value("2030-01-01T00:00:00Z"));
    }

    @Test
    void answers503IfTheEventIsGoneAgainRightAfterRegistration() throws Exception {
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any())).willReturn(refused(Status.NO_EVENT));
        given(this.registration.restore(EVENT)).willReturn(true);

        reserve(EVENT, "u-1").andExpect(status().isServiceUnavailable()).andExpect(header().string("Retry-After", "1"));
    }

    @Test
    void answers503WithRetryAfterWhenRedisIsUnreachableRejectsOrTimesOut() throws Exception {
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any()))
            .willThrow(new RedisConnectionFailureException("refused"))
            .willThrow(new RedisSystemException("Currently not connected. Commands are rejected.", null))
            .willThrow(new QueryTimeoutException("Redis command timed out"));

        for (int i = 0; i < 3; i++) {
            reserve(EVENT, "u-1").andExpect(status().isServiceUnavailable())
                .andExpect(header().string("Retry-After", "1"))
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(503));
        }
    }

    @Test
    void passesTheIdempotencyKeyToTheScriptAndRepliesWithTheFirstReservation() throws Exception {
        UUID first = ReservationId.newFor(EVENT);
        given(this.batcher.enqueue(any(), eq(EVENT), eq("u-1"), eq("key-1")))
            .willReturn(replay(job(first, "u-1", 3)));

        this.mvc.perform(post("/events/{id}/reservations", EVENT).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "key-1")
            .content("{\"userId\":\"u-1\"}"))
            .andExpect(status().isAccepted())
            .andExpect(header().string("Location", "/reservations/" + first))
            .andExpect(jsonPath("$.reservationId").value(first.toString()))
            .andExpect(jsonPath("$.position").value(3));
    }

    @Test
    void answersPendingFromRedisWithoutAskingPostgres() throws Exception {
        UUID id = ReservationId.newFor(EVENT);
        given(this.batcher.pendingJob(id, EVENT)).willReturn(job(id, "u-1", 5));

        this.mvc.perform(get("/reservations/{id}", id))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("PENDING"))
            .andExpect(jsonPath("$.position").value(5));

        verifyNoInteractions(this.decided);
    }

    @Test
    void answersFromPostgresWhenRedisIsUnreachable() throws Exception {
        UUID id = ReservationId.newFor(EVENT);
        given(this.batcher.pendingJob(id, EVENT)).willThrow(new RedisConnectionFailureException("refused"));
        given(this.decided.find(id)).willReturn(Optional.of(new ReservationView(id, EVENT, "u-1", 5,
                ReservationStatus.REJECTED, null, RejectionReason.SOLD_OUT, Instant.now(), Instant.now())));

        this.mvc.perform(get("/reservations/{id}", id))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.status").value("REJECTED"))
            .andExpect(jsonPath("$.reason").value("SOLD_OUT"));
    }

    @Test
    void answers503WhenRedisIsUnreachableAndPostgresHasNoDecision() throws Exception {
        UUID id = ReservationId.newFor(EVENT);
        given(this.batcher.pendingJob(id, EVENT)).willThrow(new RedisConnectionFailureException("refused"));
        given(this.decided.find(id)).willReturn(Optional.empty());

        this.mvc.perform(get("/reservations/{id}", id))
            .andExpect(status().isServiceUnavailable())
            .andExpect(header().exists("Retry-After"));
    }

    @Test
    void fallsBackToPostgresForAnUndecodablePendingEntry() throws Exception {
        UUID id = ReservationId.newFor(EVENT);
        given(this.batcher.pendingJob(id, EVENT)).willReturn("{not a job");
        given(this.decided.find(id)).willReturn(Optional.empty());

        this.mvc.perform(get("/reservations/{id}", id)).andExpect(status().isNotFound());
    }

    @Test
    void answers404WithoutAnyLookupForIdsThatCarryNoEvent() throws Exception {
        this.mvc.perform(get("/reservations/{id}", UUID.randomUUID())).andExpect(status().isNotFound());

        verify(this.batcher, never()).pendingJob(any(), anyLong());
        verifyNoInteractions(this.decided);
    }

    private ResultActions reserve(long eventId, String userId) throws Exception {
        return this.mvc.perform(post("/events/{id}/reservations", eventId).contentType(MediaType.APPLICATION_JSON)
            .content("{\"userId\":\"" + userId + "\"}"));
    }

    private static EnqueueBatch.Outcome refused(Status status) {
        return new EnqueueBatch.Outcome(status, null, null);
    }

    private static EnqueueBatch.Outcome accepted(UUID id, String userId, long position) {
        return new EnqueueBatch.Outcome(Status.ACCEPTED, new ReservationJob(id, EVENT, userId, position, Instant.now()),
                null);
    }

    private static EnqueueBatch.Outcome replay(String rawJob) {
        return new EnqueueBatch.Outcome(Status.REPLAY, null, rawJob);
    }

    private String job(UUID id, String userId, long position) {
        return this.codec.encode(new ReservationJob(id, EVENT, userId, position, Instant.now()));
    }

    @TestConfiguration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ApiProperties.class)
    static class Config {

        @Bean
        JobCodec jobCodec() {
            return new JobCodec();
        }

        // body mode, the default: the body names the user (the security chain is not part of this slice)
        @Bean
        CallerIdentity callerIdentity() {
            return CallerIdentity.body();
        }

    }

}
