package dev.fcfs.producer.web;

import java.util.Set;

import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's NIO HTTP/1.1 protocol, with its open connections visible to {@link RequestHeaderDeadline}. Tomcat keeps
 * the endpoint that holds them protected; this subclass only exposes them. Public with a no-argument constructor
 * because Tomcat instantiates its protocol by class name.
 */
public class DeadlineHttp11NioProtocol extends Http11NioProtocol {

    Set<SocketWrapperBase<?>> openConnections() {
        @SuppressWarnings("unchecked")
        Set<SocketWrapperBase<?>> connections = (Set<SocketWrapperBase<?>>) (Set<?>) getEndpoint().getConnections();
        return connections;
    }

}
