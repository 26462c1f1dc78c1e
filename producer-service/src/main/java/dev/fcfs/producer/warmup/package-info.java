/**
 * The start-up warm-up: before the producer reports ready, it sends reservation requests to itself over HTTP, on
 * scratch Redis keys of its own, until its rate stops rising, so that the first requests of a drop meet compiled
 * code rather than the interpreter.
 */
package dev.fcfs.producer.warmup;
