package dev.fcfs.shared.redis;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a refused start-up into Boot's "APPLICATION FAILED TO START" report, with the fix as its action. */
class UnsafeEvictionPolicyFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeEvictionPolicyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsafeEvictionPolicyException cause) {
        return new FailureAnalysis(cause.finding(), EvictionPolicyGuard.FIX, cause);
    }

}
