package dev.lbclient.spring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.AbstractBufferingClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Spring's {@link ClientHttpRequestFactory} on an {@link OkHttpClient} (Spring Framework 7 ships
 * none): the URL goes to OkHttp unchanged, so the load-balancing interceptor sees the logical host
 * and keeps it for TLS. Bodies are buffered. Thread-safe.
 */
final class OkHttpRequestFactory implements ClientHttpRequestFactory {
  /** Headers OkHttp sets itself from the body and the connection. */
  private static final Set<String> OWN_HEADERS =
      Set.of("content-length", "content-type", "host", "connection", "transfer-encoding");

  private final OkHttpClient client;

  OkHttpRequestFactory(OkHttpClient client) {
    this.client = client;
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod method) {
    return new OkHttpRequest(client, uri, method);
  }

  private static final class OkHttpRequest extends AbstractBufferingClientHttpRequest {
    private final OkHttpClient client;
    private final URI uri;
    private final HttpMethod method;

    OkHttpRequest(OkHttpClient client, URI uri, HttpMethod method) {
      this.client = client;
      this.uri = uri;
      this.method = method;
    }

    @Override
    public HttpMethod getMethod() {
      return method;
    }

    @Override
    public URI getURI() {
      return uri;
    }

    @Override
    protected ClientHttpResponse executeInternal(HttpHeaders headers, byte[] body)
        throws IOException {
      org.springframework.http.MediaType contentType = headers.getContentType();
      MediaType okType = contentType == null ? null : MediaType.parse(contentType.toString());
      String name = method.name();
      boolean needsBody = name.equals("POST") || name.equals("PUT") || name.equals("PATCH")
          || name.equals("PROPPATCH") || name.equals("REPORT");
      RequestBody requestBody = body.length > 0 || needsBody
          ? RequestBody.create(body, okType) : null;
      Request.Builder request = new Request.Builder().url(uri.toString()).method(name, requestBody);
      headers.forEach((header, values) -> {
        if (!OWN_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
          for (String value : values) {
            request.addHeader(header, value);
          }
        }
      });
      return new OkHttpResponse(client.newCall(request.build()).execute());
    }
  }

  private static final class OkHttpResponse implements ClientHttpResponse {
    private final Response response;
    private @Nullable HttpHeaders headers;

    OkHttpResponse(Response response) {
      this.response = response;
    }

    @Override
    public HttpStatusCode getStatusCode() {
      return HttpStatusCode.valueOf(response.code());
    }

    @Override
    public String getStatusText() {
      return response.message();
    }

    @Override
    public HttpHeaders getHeaders() {
      HttpHeaders h = headers;
      if (h == null) {
        h = new HttpHeaders();
        for (int i = 0; i < response.headers().size(); i++) {
          h.add(response.headers().name(i), response.headers().value(i));
        }
        headers = h;
      }
      return h;
    }

    @Override
    public InputStream getBody() {
      return response.body().byteStream();
    }

    @Override
    public void close() {
      response.close();
    }
  }
}
