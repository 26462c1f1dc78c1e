/**
 * producer-service: the HTTP API of the reservation service. Accepts a reservation request in one Redis round
 * trip ({@code enqueue.lua}) and answers 202 with a place in line; answers status queries from the Redis pending hash
 * (PENDING only) or from PostgreSQL (decisions).
 */
package dev.fcfs.producer;
