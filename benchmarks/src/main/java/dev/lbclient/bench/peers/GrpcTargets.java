package dev.lbclient.bench.peers;

import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SynchronizationContext;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * gRPC-java's {@code round_robin} policy, from the default registry, driven through a fake {@link
 * LoadBalancer.Helper}: it creates fake subchannels that report READY as soon as a connection is
 * requested, then the published {@link LoadBalancer.SubchannelPicker} is called as the channel
 * calls it for every RPC.
 */
public final class GrpcTargets {
  private GrpcTargets() {}

  public static PickTarget create(String algorithm, Workload w) {
    if (!algorithm.equals("roundRobin")) {
      throw new IllegalArgumentException("grpc algorithm: " + algorithm + " (expected: roundRobin)");
    }
    LoadBalancerProvider provider =
        LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin");
    if (provider == null) {
      throw new IllegalStateException("no round_robin provider registered (grpc-util missing?)");
    }
    FakeHelper helper = new FakeHelper();
    LoadBalancer lb = provider.newLoadBalancer(helper);
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      groups.add(new EquivalentAddressGroup(
          InetSocketAddress.createUnresolved(w.host(i), Workload.PORT)));
    }
    helper.sync.execute(() -> lb.acceptResolvedAddresses(LoadBalancer.ResolvedAddresses.newBuilder()
        .setAddresses(groups)
        .setAttributes(Attributes.EMPTY)
        .build()));
    if (helper.state != ConnectivityState.READY || helper.picker == null) {
      helper.shutdown(lb);
      throw new IllegalStateException("round_robin did not become READY: " + helper.state);
    }
    return new GrpcTarget(lb, helper);
  }

  private static final class GrpcTarget implements PickTarget {
    private final LoadBalancer lb;
    private final FakeHelper helper;
    private final LoadBalancer.SubchannelPicker picker;
    private final LoadBalancer.PickSubchannelArgs args = new FakeArgs();

    GrpcTarget(LoadBalancer lb, FakeHelper helper) {
      this.lb = lb;
      this.helper = helper;
      this.picker = helper.picker;
    }

    @Override
    public Object pick(int seq) {
      return picker.pickSubchannel(args).getSubchannel();
    }

    @Override
    public void close() {
      helper.shutdown(lb);
    }
  }

  private static final class FakeHelper extends LoadBalancer.Helper {
    final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
      throw new IllegalStateException("uncaught in synchronization context", e);
    });
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "grpc-bench-timer");
      t.setDaemon(true);
      return t;
    });
    volatile ConnectivityState state = ConnectivityState.IDLE;
    volatile LoadBalancer.SubchannelPicker picker;

    @Override
    public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
      return new FakeSubchannel(args, this);
    }

    @Override
    public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
      throw new UnsupportedOperationException("not needed by round_robin");
    }

    @Override
    public void updateBalancingState(ConnectivityState newState,
        LoadBalancer.SubchannelPicker newPicker) {
      this.state = newState;
      this.picker = newPicker;
    }

    @Override
    public void refreshNameResolution() {}

    @Override
    public SynchronizationContext getSynchronizationContext() {
      return sync;
    }

    @Override
    public ScheduledExecutorService getScheduledExecutorService() {
      return timer;
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return SilentLogger.INSTANCE;
    }

    @Override
    public String getAuthority() {
      return "bench";
    }

    @Override
    public String getChannelTarget() {
      return "bench";
    }

    void shutdown(LoadBalancer lb) {
      sync.execute(lb::shutdown);
      timer.shutdownNow();
    }
  }

  private static final class FakeSubchannel extends LoadBalancer.Subchannel {
    private final LoadBalancer.CreateSubchannelArgs args;
    private final FakeHelper helper;
    private LoadBalancer.SubchannelStateListener listener;

    FakeSubchannel(LoadBalancer.CreateSubchannelArgs args, FakeHelper helper) {
      this.args = args;
      this.helper = helper;
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void requestConnection() {
      // As a transport that connects at once: CONNECTING, then READY, in the sync context.
      helper.sync.executeLater(() -> listener.onSubchannelState(
          ConnectivityStateInfo.forNonError(ConnectivityState.CONNECTING)));
      helper.sync.executeLater(() -> listener.onSubchannelState(
          ConnectivityStateInfo.forNonError(ConnectivityState.READY)));
    }

    @Override
    public void shutdown() {}

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return args.getAddresses();
    }

    @Override
    public Attributes getAttributes() {
      return args.getAttributes();
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return SilentLogger.INSTANCE;
    }
  }

  private static final class FakeArgs extends LoadBalancer.PickSubchannelArgs {
    private static final MethodDescriptor<Object, Object> METHOD =
        MethodDescriptor.newBuilder(NullMarshaller.INSTANCE, NullMarshaller.INSTANCE)
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("bench.Bench/Call")
            .build();
    private final Metadata headers = new Metadata();

    @Override
    public CallOptions getCallOptions() {
      return CallOptions.DEFAULT;
    }

    @Override
    public Metadata getHeaders() {
      return headers;
    }

    @Override
    public MethodDescriptor<?, ?> getMethodDescriptor() {
      return METHOD;
    }
  }

  private enum NullMarshaller implements MethodDescriptor.Marshaller<Object> {
    INSTANCE;

    @Override
    public InputStream stream(Object value) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object parse(InputStream stream) {
      throw new UnsupportedOperationException();
    }
  }

  private static final class SilentLogger extends ChannelLogger {
    static final SilentLogger INSTANCE = new SilentLogger();

    @Override
    public void log(ChannelLogLevel level, String message) {}

    @Override
    public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
  }
}
