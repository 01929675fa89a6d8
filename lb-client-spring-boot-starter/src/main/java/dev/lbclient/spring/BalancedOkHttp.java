package dev.lbclient.spring;

import dev.lbclient.okhttp.LoadBalancingInterceptor;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.DisposableBean;

/**
 * Owns the starter's balanced {@link OkHttpClient} and releases its threads and pooled
 * connections when the context closes (OkHttpClient has no close method for Spring to call).
 */
final class BalancedOkHttp implements DisposableBean {
  private final OkHttpClient client;

  BalancedOkHttp(LoadBalancers loadBalancers) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    if (!loadBalancers.asMap().isEmpty()) {
      LoadBalancingInterceptor.Builder interceptor = LoadBalancingInterceptor.builder();
      loadBalancers.asMap().forEach(interceptor::service);
      builder.addInterceptor(interceptor.build());
    }
    this.client = builder.build();
  }

  OkHttpClient client() {
    return client;
  }

  @Override
  public void destroy() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
