package dev.fcfs.producer.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /admin/dead-letters}: jobs the worker could not decide, per shard. Requires the admin authority (the admin
 * chain of {@code security/SecurityConfiguration}): entries show user ids. Every change is logged at INFO as an audit
 * line naming who (the {@value #OPERATOR_HEADER} header and the client address), what, and why.
 */
@RestController
@RequestMapping("/admin/dead-letters")
class DeadLetterController {

    /** Optional header naming the person acting: there is one admin token, so the token cannot say who. */
    static final String OPERATOR_HEADER = "X-Operator";

    static final int MAX_LIMIT = 1000;

    private static final Logger audit = LoggerFactory.getLogger("dev.fcfs.producer.admin.audit");

    private static final Pattern ENTRY_ID = Pattern.compile("[0-9a-f]{40}");

    private final DeadLetters deadLetters;

    DeadLetterController(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    /**
     * Every shard's count, and up to {@code limit} entries per shard, newest first.
     */
    @GetMapping
    DeadLetterListing list(@RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw badRequest("'limit' must be 1 to " + MAX_LIMIT + ".");
        }
        List<DeadLetterListing.ShardCount> counts = new ArrayList<>();
        List<DeadLetter> entries = new ArrayList<>();
        long total = 0;
        for (int shard = 0; shard < this.deadLetters.shards(); shard++) {
            long count = this.deadLetters.count(shard);
            counts.add(new DeadLetterListing.ShardCount(shard, count));
            total += count;
            if (count > 0) {
                entries.addAll(this.deadLetters.list(shard, limit));
            }
        }
        return new DeadLetterListing(total, counts, entries);
    }

    /** Moves one entry's job back to the served end of its shard queue. */
    @PostMapping("/{shard}/{entryId}/requeue")
    RequeueResult requeue(@PathVariable int shard, @PathVariable String entryId,
            @RequestParam(required = false) @Nullable String reason,
            @RequestHeader(name = OPERATOR_HEADER, required = false) @Nullable String operator,
            HttpServletRequest request) {
        checkShard(shard);
        checkEntryId(entryId);
        String job = this.deadLetters.requeue(shard, entryId);
        if (job == null) {
            throw notFound(shard, entryId);
        }
        audit.info("admin audit: action=requeue shard=" + shard + " entry=" + entryId + " job=" + clean(job, 300)
                + " " + who(operator, request) + " why=\"" + clean(reason, 200) + "\"");
        return new RequeueResult(shard, 1);
    }

    /** Moves every entry of a shard back to its queue, oldest served first. */
    @PostMapping("/{shard}/requeue-all")
    RequeueResult requeueAll(@PathVariable int shard, @RequestParam(required = false) @Nullable String reason,
            @RequestHeader(name = OPERATOR_HEADER, required = false) @Nullable String operator,
            HttpServletRequest request) {
        checkShard(shard);
        long moved = this.deadLetters.requeueAll(shard);
        audit.info("admin audit: action=requeue-all shard=" + shard + " requeued=" + moved + " "
                + who(operator, request) + " why=\"" + clean(reason, 200) + "\"");
        return new RequeueResult(shard, moved);
    }

    /** Drops one entry for good; {@code reason} is required, for the audit log. */
    @DeleteMapping("/{shard}/{entryId}")
    ResponseEntity<Void> discard(@PathVariable int shard, @PathVariable String entryId,
            @RequestParam(required = false) @Nullable String reason,
            @RequestHeader(name = OPERATOR_HEADER, required = false) @Nullable String operator,
            HttpServletRequest request) {
        checkShard(shard);
        checkEntryId(entryId);
        if (reason == null || reason.isBlank()) {
            throw badRequest("Discarding a dead letter needs a 'reason' query parameter, for the audit log.");
        }
        DeadLetter discarded = this.deadLetters.discard(shard, entryId);
        if (discarded == null) {
            throw notFound(shard, entryId);
        }
        String what = (discarded.decoded() != null)
                ? "reservation=" + discarded.decoded().reservationId() + " event=" + discarded.decoded().eventId()
                        + " position=" + discarded.decoded().position()
                : "job=" + clean(discarded.job(), 300);
        audit.info("admin audit: action=discard shard=" + shard + " entry=" + entryId + " " + what + " deadReason=\""
                + clean(discarded.reason(), 200) + "\" " + who(operator, request) + " why=\"" + clean(reason, 200)
                + "\"");
        return ResponseEntity.noContent().build();
    }

    private void checkShard(int shard) {
        if (shard < 0 || shard >= this.deadLetters.shards()) {
            throw new ErrorResponseException(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(
                    HttpStatus.NOT_FOUND, "No shard " + shard + ": shards are 0 to "
                            + (this.deadLetters.shards() - 1) + "."), null);
        }
    }

    private static void checkEntryId(String entryId) {
        if (!ENTRY_ID.matcher(entryId).matches()) {
            throw badRequest("'entryId' must be the 40 lower-case hex digits listed by GET /admin/dead-letters.");
        }
    }

    private static ErrorResponseException notFound(int shard, String entryId) {
        return new ErrorResponseException(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                "No dead letter " + entryId + " on shard " + shard
                        + " (already requeued or discarded?). List them again."), null);
    }

    private static ErrorResponseException badRequest(String detail) {
        return new ErrorResponseException(HttpStatus.BAD_REQUEST,
                ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail), null);
    }

    private static String who(@Nullable String operator, HttpServletRequest request) {
        return "operator=\"" + clean((operator != null) ? operator : "unnamed", 100) + "\" from="
                + request.getRemoteAddr();
    }

    /** Keeps audit lines one line each and short: no control characters (log forging), bounded length. */
    static String clean(@Nullable String text, int max) {
        if (text == null) {
            return "";
        }
        String flat = text.replaceAll("[\\p{Cc}\"]", "?");
        return (flat.length() > max) ? flat.substring(0, max) + "..." : flat;
    }

    /**
     * The answer to {@code GET /admin/dead-letters}.
     *
     * @param total entries over all shards
     * @param shards each shard's count
     * @param entries up to {@code limit} entries per shard, shard by shard, newest first
     */
    record DeadLetterListing(long total, List<ShardCount> shards, List<DeadLetter> entries) {

        /**
         * @param shard the shard
         * @param count entries in its dead-letter list
         */
        record ShardCount(int shard, long count) {
        }

    }

    /**
     * The answer to a requeue.
     *
     * @param shard the shard
     * @param requeued how many jobs went back to its queue
     */
    record RequeueResult(int shard, long requeued) {
    }

}
