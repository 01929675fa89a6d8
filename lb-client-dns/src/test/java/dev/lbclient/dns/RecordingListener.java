package dev.lbclient.dns;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Records what a source delivers, in order. */
final class RecordingListener implements EndpointSource.Listener {
  final List<List<Endpoint>> lists = new ArrayList<>();
  final List<String> errors = new ArrayList<>();
  final List<String> events = new ArrayList<>();

  @Override
  public synchronized void onEndpoints(List<Endpoint> endpoints) {
    lists.add(endpoints);
    events.add("endpoints " + endpoints);
  }

  @Override
  public synchronized void onError(String description, @Nullable Throwable cause) {
    errors.add(description);
    events.add("error " + description);
  }

  synchronized @Nullable List<Endpoint> last() {
    return lists.isEmpty() ? null : lists.get(lists.size() - 1);
  }

  synchronized @Nullable String lastError() {
    return errors.isEmpty() ? null : errors.get(errors.size() - 1);
  }

  synchronized List<String> addresses() {
    List<String> out = new ArrayList<>();
    List<Endpoint> last = last();
    if (last != null) {
      for (Endpoint e : last) {
        out.add(e.toString());
      }
    }
    return out;
  }
}
