package dev.lbclient.grpc;

import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A channel stand-in for unit tests of the policy: records subchannels and published states, runs
 * the synchronization context on the calling thread, and holds timer tasks until {@link
 * #runTimers()}.
 */
final class FakeHelper extends LoadBalancer.Helper {
  final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> {
    throw new AssertionError("uncaught in the synchronization context", e);
  });
  final FakeTimer timer = new FakeTimer();
  final List<FakeSubchannel> subchannels = new ArrayList<>();
  final List<ConnectivityState> states = new ArrayList<>();
  LoadBalancer.SubchannelPicker picker;
  int refreshes;

  ConnectivityState state() {
    return states.get(states.size() - 1);
  }

  void runTimers() {
    timer.runAll();
  }

  @Override
  public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
    FakeSubchannel s = new FakeSubchannel(args.getAddresses());
    subchannels.add(s);
    return s;
  }

  @Override
  public void updateBalancingState(ConnectivityState newState,
      LoadBalancer.SubchannelPicker newPicker) {
    states.add(newState);
    picker = newPicker;
  }

  @Override
  public void refreshNameResolution() {
    refreshes++;
  }

  @Override
  public SynchronizationContext getSynchronizationContext() {
    return syncContext;
  }

  @Override
  public ScheduledExecutorService getScheduledExecutorService() {
    return timer;
  }

  @Override
  public String getAuthority() {
    return "test-service";
  }

  @Override
  public ChannelLogger getChannelLogger() {
    return new ChannelLogger() {
      @Override
      public void log(ChannelLogLevel level, String message) {}

      @Override
      public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
    };
  }

  @Override
  public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
    throw new UnsupportedOperationException();
  }

  final class FakeSubchannel extends LoadBalancer.Subchannel {
    List<EquivalentAddressGroup> addresses;
    LoadBalancer.SubchannelStateListener listener;
    int connectionRequests;
    boolean shutdown;

    FakeSubchannel(List<EquivalentAddressGroup> addresses) {
      this.addresses = addresses;
    }

    /** Delivers a state as the channel would, on the synchronization context. */
    void set(ConnectivityState state) {
      set(state == ConnectivityState.TRANSIENT_FAILURE
          ? ConnectivityStateInfo.forTransientFailure(Status.UNAVAILABLE.withDescription("refused"))
          : ConnectivityStateInfo.forNonError(state));
    }

    void set(ConnectivityStateInfo info) {
      syncContext.execute(() -> listener.onSubchannelState(info));
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public void requestConnection() {
      connectionRequests++;
    }

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return addresses;
    }

    @Override
    public void updateAddresses(List<EquivalentAddressGroup> addrs) {
      this.addresses = addrs;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }
  }

  /** Holds scheduled tasks; {@link #runAll()} runs each live one once, keeping periodic ones. */
  static final class FakeTimer extends AbstractExecutorService
      implements ScheduledExecutorService {
    private final List<Task> tasks = new ArrayList<>();

    synchronized int live() {
      return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    void runAll() {
      List<Task> due;
      synchronized (this) {
        due = new ArrayList<>(tasks);
        for (Iterator<Task> it = tasks.iterator(); it.hasNext(); ) {
          Task t = it.next();
          if (!t.periodic || t.cancelled) {
            it.remove();
          }
        }
      }
      for (Task t : due) {
        if (!t.cancelled) {
          t.command.run();
        }
      }
    }

    private synchronized ScheduledFuture<?> add(Runnable command, boolean periodic) {
      Task t = new Task(command, periodic);
      tasks.add(t);
      return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(command, false);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
        long period, TimeUnit unit) {
      return add(command, true);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
        long delay, TimeUnit unit) {
      return add(command, true);
    }

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    private static final class Task implements ScheduledFuture<Object> {
      final Runnable command;
      final boolean periodic;
      volatile boolean cancelled;

      Task(Runnable command, boolean periodic) {
        this.command = command;
        this.periodic = periodic;
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return 0;
      }

      @Override
      public int compareTo(Delayed o) {
        return 0;
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        cancelled = true;
        return true;
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }

      @Override
      public boolean isDone() {
        return cancelled;
      }

      @Override
      public Object get() {
        throw new UnsupportedOperationException();
      }

      @Override
      public Object get(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException();
      }
    }
  }
}
