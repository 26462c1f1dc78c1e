/**
 * Who may call what: Spring Security's chains for the admin paths (static admin token, or in jwt mode a JWT with the
 * admin authority) and, with {@code reservation.identity.mode=jwt}, for the reservation routes (a JWT whose user claim
 * is the reservation's user: {@link dev.fcfs.producer.security.CallerIdentity}). 401 and 403 are problem+json with a
 * Bearer challenge. Settings: {@link dev.fcfs.producer.security.IdentityProperties}.
 */
package dev.fcfs.producer.security;
