package dev.tenantproxy.cache.informer;

/**
 * Counters of the index for metrics (the proxy wires them to Micrometer).
 *
 * @param eventsReceived informer callbacks handed to the writer
 * @param eventsApplied events the writer has applied
 * @param queueDepth events waiting for the writer
 * @param lastLagMicros time from callback to applied, for the last event
 * @param revision the revision of the current snapshot
 * @param eventsFailed events (and list boundaries) whose application threw: logged, counted and
 *     skipped; the writer goes on with the next one
 */
public record IndexMetrics(
    long eventsReceived,
    long eventsApplied,
    long queueDepth,
    long lastLagMicros,
    long revision,
    long eventsFailed) {}
