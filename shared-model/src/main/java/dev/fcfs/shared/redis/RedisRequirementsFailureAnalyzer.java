package dev.fcfs.shared.redis;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a refused start-up into Boot's "APPLICATION FAILED TO START" report, with the fix as its action. */
class RedisRequirementsFailureAnalyzer extends AbstractFailureAnalyzer<RedisRequirementsException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RedisRequirementsException cause) {
        return new FailureAnalysis(cause.finding(), cause.fix(), cause);
    }

}
