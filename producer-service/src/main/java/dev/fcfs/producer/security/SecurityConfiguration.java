package dev.fcfs.producer.security;

import java.util.EnumSet;

import dev.fcfs.producer.admin.AdminToken;
import dev.fcfs.producer.reservation.WarmupTraffic;
import dev.fcfs.producer.warmup.WarmupProperties;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.HandlerExceptionResolver;

import static org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.pathPattern;

/**
 * The Spring Security chains: one for the admin paths in both modes (the static admin token, and in jwt mode a JWT
 * with the admin authority), and in jwt mode one for the reservation routes (a valid JWT; its user claim is the
 * reservation's user, see {@link CallerIdentity}). Every other path is in no chain and stays open as before. Both
 * chains are stateless bearer-token APIs: no session, no CSRF (there is no cookie to ride on), no login page, no
 * generated user (the application excludes Boot's {@code UserDetailsServiceAutoConfiguration}).
 *
 * <p>The proxy is registered through {@link SecurityGate} instead of Boot's {@code SecurityFilterAutoConfiguration}
 * (excluded too), so that body mode's reservation routes do not pass through it at all.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IdentityProperties.class)
public class SecurityConfiguration {

    /** Every path that changes state other than reserving, or shows user ids. */
    static final RequestMatcher ADMIN_PATHS = new OrRequestMatcher(pathPattern(HttpMethod.POST, "/events"),
            pathPattern(HttpMethod.PATCH, "/events/*"), pathPattern("/admin/**"));

    /** The routes whose user is the caller in jwt mode. */
    static final RequestMatcher USER_PATHS = new OrRequestMatcher(
            pathPattern(HttpMethod.POST, "/events/*/reservations"), pathPattern(HttpMethod.GET, "/reservations/*"));

    static final String ADMIN_REALM = "fcfs-admin";

    /** The realm of the reservation routes' challenges, also for refusals raised by their handlers. */
    public static final String USER_REALM = "fcfs";

    @Bean
    CallerIdentity callerIdentity(IdentityProperties properties) {
        return new CallerIdentity(properties);
    }

    @Bean
    BearerProblems bearerProblems(@Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
        return new BearerProblems(resolver);
    }

    @Bean
    @Order(1)
    SecurityFilterChain adminChain(HttpSecurity http, IdentityProperties identity, AdminToken adminToken,
            ObjectProvider<JwtAuthenticationProvider> jwt, BearerProblems problems) throws Exception {
        BearerAuthenticationManager manager = new BearerAuthenticationManager(adminToken, identity.adminAuthority(),
                (identity.mode() == IdentityProperties.Mode.JWT) ? jwt.getObject() : null);
        stateless(http.securityMatcher(ADMIN_PATHS));
        http.authorizeHttpRequests((requests) -> requests.anyRequest().hasAuthority(identity.adminAuthority()));
        http.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(problems.entryPoint(ADMIN_REALM))
            .accessDeniedHandler(problems.accessDenied(ADMIN_REALM, "This operation is for operators: the token "
                    + "does not grant '" + identity.adminAuthority() + "'.")));
        http.oauth2ResourceServer((bearer) -> bearer.authenticationManagerResolver((request) -> manager)
            .authenticationEntryPoint(problems.entryPoint(ADMIN_REALM)));
        return http.build();
    }

    /** The proxy behind the gate; a disabled registration of its own keeps Boot from registering it for all URLs. */
    @Bean
    FilterRegistrationBean<SecurityGate> securityFilterChainRegistration(
            @Qualifier("springSecurityFilterChain") Filter springSecurityFilterChain, IdentityProperties identity) {
        FilterRegistrationBean<SecurityGate> registration = new FilterRegistrationBean<>(
                new SecurityGate(springSecurityFilterChain, identity.mode() == IdentityProperties.Mode.BODY));
        registration.setName("springSecurityFilterChainGate");
        registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER);
        // no chain matches /error, so error dispatches need not enter the proxy
        registration.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
        return registration;
    }

    @Bean
    FilterRegistrationBean<Filter> springSecurityFilterChainAlone(
            @Qualifier("springSecurityFilterChain") Filter springSecurityFilterChain) {
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(springSecurityFilterChain);
        registration.setEnabled(false);
        return registration;
    }

    /** Bearer-token API settings shared by both chains. */
    static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http.csrf(AbstractHttpConfigurer::disable)
            .sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .requestCache(AbstractHttpConfigurer::disable)
            .logout(AbstractHttpConfigurer::disable)
            .anonymous(AbstractHttpConfigurer::disable)
            .servletApi(AbstractHttpConfigurer::disable)
            .formLogin(AbstractHttpConfigurer::disable)
            .httpBasic(AbstractHttpConfigurer::disable);
    }

    /** jwt mode: JWTs verified against the issuer's keys, and the chain of the reservation routes. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "reservation.identity.mode", havingValue = "jwt")
    static class JwtModeConfiguration {

        @Bean
        JwtAuthenticationProvider jwtAuthenticationProvider(OAuth2ResourceServerProperties resourceServer,
                ObjectProvider<JwtDecoder> decoder, IdentityProperties identity) {
            OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
            if (!StringUtils.hasText(jwt.getJwkSetUri()) && !StringUtils.hasText(jwt.getIssuerUri())) {
                throw new IllegalStateException("reservation.identity.mode=jwt needs the issuer's keys to verify "
                        + "tokens: set spring.security.oauth2.resourceserver.jwt.jwk-set-uri "
                        + "(SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI) or "
                        + "spring.security.oauth2.resourceserver.jwt.issuer-uri, "
                        + "or use reservation.identity.mode=body");
            }
            JwtGrantedAuthoritiesConverter authorities = new JwtGrantedAuthoritiesConverter();
            if (StringUtils.hasText(jwt.getAuthoritiesClaimName())) {
                authorities.setAuthoritiesClaimName(jwt.getAuthoritiesClaimName());
            }
            if (jwt.getAuthorityPrefix() != null) {
                authorities.setAuthorityPrefix(jwt.getAuthorityPrefix());
            }
            if (jwt.getAuthoritiesClaimDelimiter() != null) {
                authorities.setAuthoritiesClaimDelimiter(jwt.getAuthoritiesClaimDelimiter());
            }
            JwtAuthenticationProvider provider = new JwtAuthenticationProvider(decoder.getObject());
            provider.setJwtAuthenticationConverter(new UserJwtConverter(authorities, identity.userClaim()));
            return provider;
        }

        @Bean
        @Order(2)
        SecurityFilterChain userChain(HttpSecurity http, JwtAuthenticationProvider jwt, WarmupTraffic warmup,
                BearerProblems problems) throws Exception {
            stateless(http.securityMatcher(USER_PATHS));
            // the hot path: none of the response headers a browser page would want
            http.headers(AbstractHttpConfigurer::disable);
            http.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated());
            http.exceptionHandling(
                    (exceptions) -> exceptions.authenticationEntryPoint(problems.entryPoint(USER_REALM)));
            http.oauth2ResourceServer((bearer) -> bearer.authenticationManagerResolver((request) -> jwt::authenticate)
                .authenticationEntryPoint(problems.entryPoint(USER_REALM)));
            http.addFilterBefore(new WarmupAuthenticationFilter(warmup), BearerTokenAuthenticationFilter.class);
            return http.build();
        }

        @Bean
        JwtWarmup jwtWarmup(ObjectProvider<JwtDecoder> decoder, WarmupProperties warmup) {
            return new JwtWarmup(decoder.getObject(), warmup.enabled());
        }

    }

}
