/**
 * Endpoints from Apache Curator service discovery in ZooKeeper: see {@link
 * dev.lbclient.zookeeper.ZooKeeperEndpointSource}.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.zookeeper;

import org.jspecify.annotations.NullMarked;
