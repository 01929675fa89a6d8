package dev.lbclient.dns;

import dev.lbclient.Endpoint;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * One lookup of a {@link DnsEndpointSource}: DNS messages sent through a dnsjava {@link Resolver}
 * (no cache anywhere, never the JVM's {@code InetAddress} cache), and the answers turned into a
 * sorted, duplicate-free endpoint list. Immutable; lookups may run concurrently.
 *
 * <p>The query timeout is a deadline on real time for the whole lookup (an SRV query and the
 * lookups of its targets together): it bounds socket waits, so unlike refresh scheduling it does
 * not run on the injected ticker.
 */
final class DnsLookup {
  /** Answers are parsed on dnsjava's I/O thread rather than in the common pool. */
  private static final Executor DIRECT = Runnable::run;
  private static final int MAX_CNAME_HOPS = 8;
  /** SRV targets without glue are looked up this many at a time, so a big set is no UDP storm. */
  private static final int TARGET_QUERIES_IN_FLIGHT = 64;

  private final List<Resolver> resolvers;
  private final long timeoutNanos;
  private final long perServerNanos;
  private final String timeoutText;
  private final boolean ipv4;
  private final boolean ipv6;

  /**
   * @param resolvers one per server, asked in this order: the next one when a server does not
   *     answer within its share of the timeout, fails, or answers SERVFAIL or REFUSED (as the
   *     system resolver does with the servers of resolv.conf)
   */
  DnsLookup(List<Resolver> resolvers, long timeoutNanos, boolean ipv4, boolean ipv6) {
    this.resolvers = List.copyOf(resolvers);
    this.timeoutNanos = timeoutNanos;
    this.perServerNanos = timeoutNanos / resolvers.size();
    this.timeoutText = "timeout after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
  }

  /** A lookup that got answers; {@link #endpoints} may be empty, then {@link #emptyReason} says why. */
  static final class Answer {
    final List<Endpoint> endpoints;
    /** The smallest TTL of the records used (the negative-caching TTL when empty); -1 if unknown. */
    final long ttlSeconds;
    final String emptyReason;
    /** SRV records ignored because RFC 2782 says the service is not there (port 0, target "."). */
    final List<String> ignored;

    Answer(List<Endpoint> endpoints, long ttlSeconds, String emptyReason, List<String> ignored) {
      this.endpoints = endpoints;
      this.ttlSeconds = ttlSeconds;
      this.emptyReason = emptyReason;
      this.ignored = ignored;
    }
  }

  /** A failed lookup; the message is the complete description, {@code <TYPE> <name> failed: ...}. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String description, @Nullable Throwable cause) {
      super(description, cause);
    }
  }

  /** A failed exchange, before the caller puts it in context. */
  private static final class ExchangeFailed extends Exception {
    private static final long serialVersionUID = 1L;

    ExchangeFailed(String reason, @Nullable Throwable cause) {
      super(reason, cause, false, false);
    }
  }

  /** A and/or AAAA records of {@code name}, each address given {@code port}. */
  Answer addresses(Name name, String shownName, int port)
      throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    // Both queries are in flight at once; the A answer is judged first.
    @Nullable CompletableFuture<Message> a = ipv4 ? send(name, Type.A) : null;
    @Nullable CompletableFuture<Message> aaaa = ipv6 ? send(name, Type.AAAA) : null;
    Collector c = new Collector();
    long negativeTtl = -1;
    for (int type : new int[] {Type.A, Type.AAAA}) {
      @Nullable CompletableFuture<Message> f = type == Type.A ? a : aaaa;
      if (f == null) {
        continue;
      }
      String what = Type.string(type) + " " + shownName;
      Message m;
      try {
        m = exchange(f, deadline);
      } catch (ExchangeFailed e) {
        throw new Failure(what + " failed: " + e.getMessage(), e.getCause());
      }
      if (m.getRcode() != Rcode.NOERROR) {
        throw new Failure(what + " failed: " + Rcode.string(m.getRcode()), null);
      }
      for (Record r : records(m, name, type, c)) {
        c.add(address(r), port, Endpoint.MIN_WEIGHT);
      }
      negativeTtl = minTtl(negativeTtl, negativeTtl(m));
    }
    return c.isEmpty()
        ? new Answer(List.of(), negativeTtl, "no records (NOERROR)", List.of())
        : c.answer();
  }

  /**
   * The SRV records of {@code name}: the lowest priority that yields an address wins; targets are
   * taken from the additional section when it holds their addresses, looked up otherwise.
   */
  Answer srv(Name name, String shownName) throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    String what = "SRV " + shownName;
    Message m;
    try {
      m = exchange(send(name, Type.SRV), deadline);
    } catch (ExchangeFailed e) {
      throw new Failure(what + " failed: " + e.getMessage(), e.getCause());
    }
    if (m.getRcode() != Rcode.NOERROR) {
      throw new Failure(what + " failed: " + Rcode.string(m.getRcode()), null);
    }
    Collector srvTtl = new Collector();
    List<Record> records = records(m, name, Type.SRV, srvTtl);
    if (records.isEmpty()) {
      return new Answer(List.of(), negativeTtl(m), "no records (NOERROR)", List.of());
    }
    List<String> ignored = new ArrayList<>();
    TreeMap<Integer, List<SRVRecord>> byPriority = new TreeMap<>();
    for (Record r : records) {
      SRVRecord s = (SRVRecord) r;
      if (s.getPort() == 0 || s.getTarget().equals(Name.root)) {
        ignored.add(s.rdataToString());
      } else {
        byPriority.computeIfAbsent(s.getPriority(), p -> new ArrayList<>()).add(s);
      }
    }
    if (byPriority.isEmpty()) {
      return new Answer(List.of(), srvTtl.ttl(), "no usable records (" + ignored.size()
          + " ignored: port 0 or target \".\")", List.copyOf(ignored));
    }
    Map<Name, List<Record>> addresses = glue(m);
    List<String> unresolved = new ArrayList<>();
    for (List<SRVRecord> group : byPriority.values()) {
      Set<Name> missing = new LinkedHashSet<>();
      for (SRVRecord s : group) {
        if (!addresses.containsKey(s.getTarget())) {
          missing.add(s.getTarget());
        }
      }
      resolveTargets(new ArrayList<>(missing), deadline, addresses, unresolved, what);
      Collector c = new Collector();
      c.ttl(srvTtl.ttl());
      for (SRVRecord s : group) {
        // SRV weight 0 ("very small chance", RFC 2782) becomes 1, the smallest Endpoint weight;
        // 1..65535 are kept, so every ratio between non-zero weights is exact.
        int weight = Math.max(Endpoint.MIN_WEIGHT, s.getWeight());
        for (Record r : addresses.getOrDefault(s.getTarget(), List.of())) {
          c.ttl(r.getTTL());
          c.add(address(r), s.getPort(), weight);
        }
      }
      if (!c.isEmpty()) {
        return new Answer(c.endpoints(), c.ttl(), "", List.copyOf(ignored));
      }
    }
    return new Answer(List.of(), srvTtl.ttl(),
        "no addresses for the targets (" + String.join(", ", unresolved) + ")",
        List.copyOf(ignored));
  }

  /**
   * Looks up targets' addresses, {@value #TARGET_QUERIES_IN_FLIGHT} at a time, into {@code
   * addresses}. A target whose name does not exist or has no address is left out (and named in
   * {@code unresolved}); any other failure fails the whole lookup, so a blip never shrinks the
   * list.
   */
  private void resolveTargets(List<Name> targets, long deadline, Map<Name, List<Record>> addresses,
      List<String> unresolved, String what) throws Failure, InterruptedException {
    int[] types = ipv4 && ipv6 ? new int[] {Type.A, Type.AAAA}
        : new int[] {ipv4 ? Type.A : Type.AAAA};
    for (int from = 0; from < targets.size(); from += TARGET_QUERIES_IN_FLIGHT) {
      List<Name> wave = targets.subList(from,
          Math.min(targets.size(), from + TARGET_QUERIES_IN_FLIGHT));
      List<CompletableFuture<Message>> sent = new ArrayList<>();
      for (Name target : wave) {
        for (int type : types) {
          sent.add(send(target, type));
        }
      }
      int i = 0;
      for (Name target : wave) {
        List<Record> found = new ArrayList<>();
        List<String> why = new ArrayList<>();
        for (int type : types) {
          String context = "target " + target.toString(true) + " " + Type.string(type) + ": ";
          Message m;
          try {
            m = exchange(sent.get(i++), deadline);
          } catch (ExchangeFailed e) {
            throw new Failure(what + " failed: " + context + e.getMessage(), e.getCause());
          }
          int rcode = m.getRcode();
          if (rcode == Rcode.NXDOMAIN) {
            why.add(Type.string(type) + " NXDOMAIN");
          } else if (rcode != Rcode.NOERROR) {
            throw new Failure(what + " failed: " + context + Rcode.string(rcode), null);
          } else {
            List<Record> rs = records(m, target, type, null);
            if (rs.isEmpty()) {
              why.add(Type.string(type) + " no records");
            }
            found.addAll(rs);
          }
        }
        if (found.isEmpty()) {
          unresolved.add(target.toString(true) + ": " + String.join(", ", why));
        }
        addresses.put(target, found);
      }
    }
  }

  private CompletableFuture<Message> send(Name name, int type) {
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    CompletableFuture<Message> f = sendTo(0, query);
    for (int i = 1; i < resolvers.size(); i++) {
      int next = i;
      f = f.handle((m, e) -> e == null && !worthAnotherServer(m) ? done(m) : sendTo(next, query))
          .thenCompose(x -> x);
    }
    return f;
  }

  /**
   * One server's attempt, bounded by its share of the timeout (dnsjava's own timeout only fires
   * when its I/O thread wakes up, about once a second).
   */
  private CompletableFuture<Message> sendTo(int server, Message query) {
    try {
      return resolvers.get(server).sendAsync(query, DIRECT).toCompletableFuture()
          .orTimeout(perServerNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static boolean worthAnotherServer(Message m) {
    return m.getRcode() == Rcode.SERVFAIL || m.getRcode() == Rcode.REFUSED;
  }

  private static CompletableFuture<Message> done(Message m) {
    return CompletableFuture.completedFuture(m);
  }

  /** Waits for an answer until the deadline; a truncated one (even over TCP) is a failure. */
  private Message exchange(CompletableFuture<Message> f, long deadline)
      throws ExchangeFailed, InterruptedException {
    Message m;
    try {
      m = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ExchangeFailed(timeoutText, null);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw new ExchangeFailed(reason(cause), cause);
    }
    if (m.getHeader().getFlag(Flags.TC)) {
      throw new ExchangeFailed("truncated answer", null);
    }
    return m;
  }

  private String reason(@Nullable Throwable t) {
    if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
      return timeoutText;
    }
    if (t instanceof WireParseException) {
      return "malformed answer (" + t.getMessage() + ")";
    }
    if (t instanceof IOException) {
      return "I/O error (" + t + ")";
    }
    return String.valueOf(t);
  }

  /**
   * The answer records of {@code type} for {@code name}, following a CNAME chain inside the
   * answer. Their TTLs, and the chain's, go to {@code ttl} when given.
   */
  private static List<Record> records(Message m, Name name, int type, @Nullable Collector ttl) {
    List<Record> answer = m.getSection(Section.ANSWER);
    Name owner = name;
    for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
      @Nullable CNAMERecord cname = null;
      for (Record r : answer) {
        if (r.getType() == Type.CNAME && r.getName().equals(owner)) {
          cname = (CNAMERecord) r;
          break;
        }
      }
      if (cname == null) {
        break;
      }
      if (ttl != null) {
        ttl.ttl(cname.getTTL());
      }
      owner = cname.getTarget();
    }
    List<Record> out = new ArrayList<>();
    for (Record r : answer) {
      if (r.getType() == type && r.getName().equals(owner)) {
        out.add(r);
        if (ttl != null) {
          ttl.ttl(r.getTTL());
        }
      }
    }
    return out;
  }

  /** Address records of the enabled families in the additional section, by owner name. */
  private Map<Name, List<Record>> glue(Message m) {
    Map<Name, List<Record>> glue = new HashMap<>();
    for (Record r : m.getSection(Section.ADDITIONAL)) {
      if ((r.getType() == Type.A && ipv4) || (r.getType() == Type.AAAA && ipv6)) {
        glue.computeIfAbsent(r.getName(), n -> new ArrayList<>()).add(r);
      }
    }
    return glue;
  }

  /** RFC 2308: the negative-caching TTL is the smaller of the SOA's TTL and its MINIMUM. */
  private static long negativeTtl(Message m) {
    for (Record r : m.getSection(Section.AUTHORITY)) {
      if (r instanceof SOARecord) {
        return Math.min(r.getTTL(), ((SOARecord) r).getMinimum());
      }
    }
    return -1;
  }

  private static long minTtl(long a, long b) {
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  private static byte[] address(Record r) {
    return r instanceof ARecord
        ? ((ARecord) r).getAddress().getAddress()
        : ((AAAARecord) r).getAddress().getAddress();
  }

  /** Gathers addresses (duplicates merged, keeping the larger weight) and the smallest TTL. */
  private static final class Collector {
    private final Map<String, Addr> byAddress = new HashMap<>();
    private long ttl = -1;

    void ttl(long seconds) {
      ttl = minTtl(ttl, seconds);
    }

    long ttl() {
      return ttl;
    }

    void add(byte[] ip, int port, int weight) {
      Addr a = new Addr(ip, port, weight);
      byAddress.merge(a.text + "/" + port, a, (x, y) -> x.weight >= y.weight ? x : y);
    }

    boolean isEmpty() {
      return byAddress.isEmpty();
    }

    Answer answer() {
      return new Answer(endpoints(), ttl, "", List.of());
    }

    /** Sorted (IPv4 first, then by address bytes and port) so that record order never matters. */
    List<Endpoint> endpoints() {
      Addr[] sorted = byAddress.values().toArray(new Addr[0]);
      Arrays.sort(sorted, (x, y) -> {
        int c = Integer.compare(x.ip.length, y.ip.length);
        c = c != 0 ? c : Arrays.compareUnsigned(x.ip, y.ip);
        return c != 0 ? c : Integer.compare(x.port, y.port);
      });
      List<Endpoint> out = new ArrayList<>(sorted.length);
      for (Addr a : sorted) {
        out.add(Endpoint.of(a.text, a.port).withWeight(a.weight));
      }
      return List.copyOf(out);
    }
  }

  private static final class Addr {
    final byte[] ip;
    final String text;
    final int port;
    final int weight;

    Addr(byte[] ip, int port, int weight) {
      this.ip = ip;
      this.text = ipText(ip);
      this.port = port;
      this.weight = weight;
    }
  }

  /** Dotted quad, or the RFC 5952 form of an IPv6 address (lower case, longest zero run as ::). */
  static String ipText(byte[] ip) {
    if (ip.length == 4) {
      return (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((ip[2 * i] & 0xff) << 8) | (ip[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }
}
