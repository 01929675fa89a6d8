package dev.lbclient.zookeeper;

import dev.lbclient.EndpointSource;
import dev.lbclient.zookeeper.InstanceReader.Instance;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch of one started {@link ZooKeeperEndpointSource}, shared by its listeners: a children
 * watch on the service znode (an exists watch while it is missing) and a data watch on each
 * instance znode, all read in the background through Curator.
 *
 * <p><b>Complete snapshots.</b> Every read of the current generation counts in {@link #pending};
 * a snapshot is built only when none is outstanding, so a transaction that adds 10,000 instances
 * (one children event, one {@code getChildren}, 10,000 {@code getData}) is delivered once, whole.
 * A resync (at start, after a reconnection or a failed read) starts a new generation and reads
 * every instance again; answers of older generations are dropped.
 *
 * <p><b>Concurrency.</b> Watch events, read callbacks, connection-state changes and deliveries (by
 * the {@link Publisher}) all run on one daemon thread, so state needs no lock and calls to a
 * listener never overlap. {@link #close()} raises a flag, removes the watches and stops the
 * thread; tasks that arrive after it are dropped.
 */
final class ServiceWatch {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperEndpointSource.class);
  private static final long BACKOFF_INITIAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(32);

  private final ZooKeeperEndpointSource source;
  private final String description;
  private final String path;
  private final CuratorFramework client;
  /** Tracks every watch set through it, so that {@link #close()} can remove them. */
  private final WatcherRemoveCuratorFramework zk;
  private final ScheduledThreadPoolExecutor thread;
  private final Executor executor = this::execute;
  private final Watcher childrenWatcher = e -> execute(() -> onChildrenEvent(e));
  private final Watcher dataWatcher = e -> execute(() -> onDataEvent(e));
  private final ConnectionStateListener connectionListener = (c, s) -> onConnectionState(s);
  private volatile boolean closed;
  /** Open subscriptions; guarded by the source's lock. */
  int subscriptions;

  // Confined to the thread.
  private final Publisher publisher;
  /** Instance znodes by child name, in name order. */
  private final TreeMap<String, Instance> instances = new TreeMap<>();
  private int generation;
  private int pending;
  private boolean generationFailed;
  private boolean nodeMissing;
  /** Between SUSPENDED or LOST and the next connection: nothing is published. */
  private boolean disconnected;
  private boolean resyncOnConnect;
  private @Nullable ScheduledFuture<?> retry;

  ServiceWatch(ZooKeeperEndpointSource source, CuratorFramework client, String path) {
    this.source = source;
    this.description = source.description();
    this.path = path;
    this.client = client;
    this.zk = client.newWatcherRemoveCuratorFramework();
    this.publisher = new Publisher(description, source.applyEmptyAnswers);
    this.thread = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "lb-client-zookeeper-" + path);
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Starts watching: listens to connection states and reads the service. */
  void open() {
    client.getConnectionStateListenable().addListener(connectionListener, executor);
    execute(this::resync);
  }

  /** Adds a listener; it gets the current state at once, or its first answer when there is one. */
  Publisher.Sink add(EndpointSource.Listener listener) {
    Publisher.Sink sink = new Publisher.Sink(listener);
    execute(() -> {
      publisher.add(sink);
      if (!sink.answered.isDone()) {
        schedule(() -> publisher.startTimedOut(sink, "no answer within "
            + Publisher.seconds(source.startTimeoutNanos)
            + (client.getZookeeperClient().isConnected() ? "" : " (not connected)")),
            source.startTimeoutNanos);
      }
    });
    return sink;
  }

  void remove(Publisher.Sink sink) {
    sink.closed = true;
    execute(() -> publisher.remove(sink));
  }

  /** Stops for good: no delivery starts after this returns, and the watches are removed. */
  void close() {
    closed = true;
    client.getConnectionStateListenable().removeListener(connectionListener);
    zk.removeWatchers();
    thread.shutdown();
  }

  // ---------------------------------------------------------------- reads

  /** A new generation: read the children and every instance again. */
  private void resync() {
    generation++;
    pending = 0;
    generationFailed = false;
    resyncOnConnect = false;
    cancelRetry();
    readChildren(true);
  }

  private void readChildren(boolean all) {
    int gen = generation;
    pending++;
    try {
      zk.getChildren().usingWatcher(childrenWatcher)
          .inBackground((c, e) -> onChildren(gen, all, e), executor).forPath(path);
    } catch (Exception e) {
      pending--;
      readFailed(gen, "cannot read " + path + ": " + e, e);
    }
  }

  private void onChildren(int gen, boolean all, CuratorEvent event) {
    if (gen != generation) {
      return;
    }
    pending--;
    KeeperException.Code rc = KeeperException.Code.get(event.getResultCode());
    if (rc == KeeperException.Code.OK) {
      nodeMissing = false;
      List<String> names = event.getChildren();
      instances.keySet().retainAll(new HashSet<>(names));
      for (String name : names) {
        if (all || !instances.containsKey(name)) {
          readData(name);
        }
      }
    } else if (rc == KeeperException.Code.NONODE) {
      checkExists(gen);
    } else {
      readFailed(gen, String.valueOf(rc), KeeperException.create(rc, path));
      return;
    }
    settle();
  }

  /** The service znode is missing: watch for its creation. */
  private void checkExists(int gen) {
    pending++;
    try {
      zk.checkExists().usingWatcher(childrenWatcher)
          .inBackground((c, e) -> onExists(gen, e), executor).forPath(path);
    } catch (Exception e) {
      pending--;
      readFailed(gen, "cannot read " + path + ": " + e, e);
    }
  }

  private void onExists(int gen, CuratorEvent event) {
    if (gen != generation) {
      return;
    }
    pending--;
    KeeperException.Code rc = KeeperException.Code.get(event.getResultCode());
    if (rc == KeeperException.Code.OK) {
      readChildren(false); // created meanwhile
    } else if (rc == KeeperException.Code.NONODE) {
      nodeMissing = true;
      instances.clear();
    } else {
      readFailed(gen, String.valueOf(rc), KeeperException.create(rc, path));
      return;
    }
    settle();
  }

  private void readData(String name) {
    int gen = generation;
    pending++;
    instances.putIfAbsent(name, Instance.LOADING);
    try {
      zk.getData().usingWatcher(dataWatcher)
          .inBackground((c, e) -> onData(gen, name, e), executor)
          .forPath(ZKPaths.makePath(path, name));
    } catch (Exception e) {
      pending--;
      readFailed(gen, "cannot read " + ZKPaths.makePath(path, name) + ": " + e, e);
    }
  }

  private void onData(int gen, String name, CuratorEvent event) {
    if (gen != generation) {
      return;
    }
    pending--;
    KeeperException.Code rc = KeeperException.Code.get(event.getResultCode());
    Instance previous = instances.get(name);
    if (rc == KeeperException.Code.OK) {
      long mzxid = event.getStat().getMzxid();
      if (previous != null && mzxid >= previous.mzxid) {
        instances.put(name, InstanceReader.read(event.getData(), mzxid, source.useSslPort));
      }
    } else if (rc == KeeperException.Code.NONODE) {
      instances.remove(name); // deleted; the children watch says so too
    } else if (rc == KeeperException.Code.NOAUTH) {
      if (previous != null) {
        instances.put(name, Instance.skipped(previous.mzxid, "cannot read: NOAUTH"));
      }
    } else {
      readFailed(gen, rc + " reading " + name, KeeperException.create(rc, event.getPath()));
      return;
    }
    settle();
  }

  private void onChildrenEvent(WatchedEvent event) {
    Watcher.Event.EventType type = event.getType();
    if (type == Watcher.Event.EventType.NodeChildrenChanged
        || type == Watcher.Event.EventType.NodeCreated
        || type == Watcher.Event.EventType.NodeDeleted) {
      readChildren(false);
    }
  }

  private void onDataEvent(WatchedEvent event) {
    if (event.getPath() == null) {
      return;
    }
    String name = ZKPaths.getNodeFromPath(event.getPath());
    if (event.getType() == Watcher.Event.EventType.NodeDataChanged) {
      if (instances.containsKey(name)) {
        readData(name);
      }
    } else if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
      // Forgotten without a snapshot: the children watch fires next (ZooKeeper sends it after
      // this event) and its read settles once for the whole batch. If the instance was created
      // again under the same name (ServiceDiscovery re-registers so), that read finds it new.
      instances.remove(name);
    }
  }

  private void onConnectionState(ConnectionState state) {
    switch (state) {
      case SUSPENDED:
      case LOST:
        // Answers still in flight belong to the old connection: the resync reads again.
        disconnected = true;
        generation++;
        pending = 0;
        cancelRetry();
        publisher.fail("connection " + state, null);
        break;
      case CONNECTED:
      case RECONNECTED:
      case READ_ONLY:
        if (disconnected || resyncOnConnect) {
          disconnected = false;
          resync();
        }
        break;
      default:
        break;
    }
  }

  /** A read of this generation failed: nothing is published until a resync succeeds. */
  private void readFailed(int gen, String what, @Nullable Throwable cause) {
    if (gen != generation || generationFailed) {
      return;
    }
    generationFailed = true;
    resyncOnConnect = true;
    publisher.fail(what, cause);
    if (!disconnected) {
      // Connection problems come back through RECONNECTED; anything else is retried here.
      retry = schedule(this::resync, backoffDelay(publisher.failures()));
    }
  }

  /** Publishes when every read of this generation has answered. */
  private void settle() {
    if (pending > 0 || generationFailed || disconnected || closed) {
      return;
    }
    publisher.answer(instances, nodeMissing, path);
  }

  private void cancelRetry() {
    ScheduledFuture<?> r = retry;
    if (r != null) {
      r.cancel(false);
      retry = null;
    }
  }

  /** 1 s, 2 s, 4 s ... up to 32 s, each times a random factor in [0.8, 1.2). */
  private static long backoffDelay(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 5);
    long base = Math.min(BACKOFF_INITIAL_NANOS << doublings, BACKOFF_MAX_NANOS);
    return (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
  }

  // ---------------------------------------------------------------- threading

  /**
   * Runs a task on the thread. After close, tasks are dropped; a read that was in flight may still
   * have set a watch as it completed, so the watches are removed again.
   */
  private void execute(Runnable task) {
    if (closed) {
      zk.removeWatchers();
      return;
    }
    try {
      thread.execute(() -> runSafely(task));
    } catch (RejectedExecutionException e) {
      zk.removeWatchers();
    }
  }

  private @Nullable ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return thread.schedule(() -> runSafely(task), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // closed
    }
  }

  private void runSafely(Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("{}: unexpected failure", description, e);
    }
  }
}
