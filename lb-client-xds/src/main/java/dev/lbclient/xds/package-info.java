/**
 * lb-client xDS: an {@link dev.lbclient.EndpointSource} that follows one cluster's endpoints from
 * an xDS management server over ADS (EDS, xDS v3). Start with {@link
 * dev.lbclient.xds.XdsEndpointSource#builder(String, String)}.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.xds;

import org.jspecify.annotations.NullMarked;
