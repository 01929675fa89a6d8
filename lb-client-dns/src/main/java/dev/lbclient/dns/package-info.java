/**
 * DNS discovery for lb-client: {@link dev.lbclient.dns.DnsEndpointSource} turns A/AAAA or SRV
 * records into an {@link dev.lbclient.EndpointSource}, refreshed at their TTLs, keeping the last
 * good list when a lookup fails.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.dns;

import org.jspecify.annotations.NullMarked;
