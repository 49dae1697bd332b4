package dev.tenantproxy.filters.json;

/** How many items (or rows) a filter saw and how many it kept. */
public record FilterResult(int seen, int kept) {}
