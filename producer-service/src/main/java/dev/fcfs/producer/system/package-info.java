/**
 * Cross-cutting web and infrastructure concerns: configuration properties, the shared queue beans, fail-fast Redis
 * client options, strict JSON input, the request body cap, and RFC 9457 problem responses for every error.
 */
package dev.fcfs.producer.system;
