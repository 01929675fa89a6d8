/**
 * lb-client's API and core: the {@link dev.lbclient.LoadBalancer}, its strategies, endpoint
 * sources and fault handling. Only {@code dev.lbclient} is exported; everything else in it is
 * package-private.
 */
module dev.lbclient {
  requires transitive io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;
  requires com.github.benmanes.caffeine;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.lbclient;
}
