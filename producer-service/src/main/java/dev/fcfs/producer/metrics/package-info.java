/** Business metrics: reservation requests counted by what became of them. */
package dev.fcfs.producer.metrics;
