/**
 * The HTTP edge shared by every endpoint: the API settings, RFC 9457 problem answers for every error, strict JSON and
 * number input, and the guards against hostile clients (body size and time, header deadline, unparsable
 * Content-Type).
 */
package dev.fcfs.producer.web;
