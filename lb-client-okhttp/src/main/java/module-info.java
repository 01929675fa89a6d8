/**
 * lb-client for OkHttp: {@link dev.lbclient.okhttp.LoadBalancingInterceptor} routes every call of
 * an {@code OkHttpClient} through a {@link dev.lbclient.LoadBalancer}.
 */
module dev.lbclient.okhttp {
  requires transitive dev.lbclient;
  requires transitive okhttp3;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.lbclient.okhttp;
}
