package dev.lbclient.dns;


import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server for tests on 127.0.0.1 (UDP and TCP on the same ephemeral port), built on dnsjava's
 * {@link Message}. Each (name, type) answers as the test last said: records, an rcode, silence,
 * garbage or a truncated answer; names never set answer NXDOMAIN. A UDP answer larger than the
 * client's EDNS size (512 without EDNS) is truncated with the TC bit, as real servers do.
 */
final class DnsTestServer implements AutoCloseable {
  enum Mode { ANSWER, DROP, GARBAGE, ALWAYS_TRUNCATED }

  private static final class Behaviour {
    final Mode mode;
    final int rcode;
    final List<Record> answer;
    final List<Record> authority;
    final List<Record> additional;

    Behaviour(Mode mode, int rcode, List<Record> answer, List<Record> authority,
        List<Record> additional) {
      this.mode = mode;
      this.rcode = rcode;
      this.answer = answer;
      this.authority = authority;
      this.additional = additional;
    }
  }

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> udpQueries = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> tcpQueries = new ConcurrentHashMap<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final List<Socket> connections = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private DnsTestServer(DatagramSocket udp, ServerSocket tcp) {
    this.udp = udp;
    this.tcp = tcp;
    start("dns-test-udp", this::serveUdp);
    start("dns-test-tcp-accept", this::acceptTcp);
  }

  /** Binds UDP to an ephemeral port, then TCP to the same port (a few tries if it is taken). */
  static DnsTestServer start() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback(), 0));
      ServerSocket tcp = new ServerSocket();
      try {
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(loopback(), udp.getLocalPort()));
        return new DnsTestServer(udp, tcp);
      } catch (IOException e) {
        last = e;
        udp.close();
        tcp.close();
      }
    }
    throw last;
  }

  InetSocketAddress address() {
    return new InetSocketAddress(loopback(), udp.getLocalPort());
  }

  // ---- What the server answers --------------------------------------------------------------

  /** NOERROR with these answer records (none: an empty answer with an SOA in authority). */
  void answer(String name, int type, Record... answer) {
    answerWithAdditional(name, type, List.of(answer), List.of());
  }

  void answerWithAdditional(String name, int type, List<Record> answer, List<Record> additional) {
    List<Record> authority = answer.isEmpty() ? List.of(soa(name, 30)) : List.of();
    behaviours.put(key(name, type),
        new Behaviour(Mode.ANSWER, Rcode.NOERROR, answer, authority, additional));
  }

  void rcode(String name, int type, int rcode) {
    behaviours.put(key(name, type),
        new Behaviour(Mode.ANSWER, rcode, List.of(), List.of(soa(name, 30)), List.of()));
  }

  void mode(String name, int type, Mode mode) {
    behaviours.put(key(name, type), new Behaviour(mode, Rcode.NOERROR, List.of(), List.of(),
        List.of()));
  }

  int udpQueries(String name, int type) {
    return udpQueries.getOrDefault(key(name, type), new AtomicInteger()).get();
  }

  int tcpQueries(String name, int type) {
    return tcpQueries.getOrDefault(key(name, type), new AtomicInteger()).get();
  }

  int queries(String name, int type) {
    return udpQueries(name, type) + tcpQueries(name, type);
  }

  // ---- Records --------------------------------------------------------------------------------

  static Record a(String name, long ttl, String ip) {
    return new ARecord(name(name), DClass.IN, ttl, address(ip));
  }

  static Record aaaa(String name, long ttl, String ip) {
    return new AAAARecord(name(name), DClass.IN, ttl, address(ip));
  }

  static Record cname(String name, long ttl, String target) {
    return new CNAMERecord(name(name), DClass.IN, ttl, name(target));
  }

  static Record srv(String name, long ttl, int priority, int weight, int port, String target) {
    return new SRVRecord(name(name), DClass.IN, ttl, priority, weight, port, name(target));
  }

  static Record soa(String name, long minimum) {
    String base = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return new SOARecord(name(base), DClass.IN, minimum, name("ns." + base), name("admin." + base),
        1, 3600, 600, 86400, minimum);
  }

  static Name name(String name) {
    try {
      return Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(name, e);
    }
  }

  private static InetAddress address(String ip) {
    try {
      return InetAddress.getByAddress(org.xbill.DNS.Address.toByteArray(ip,
          ip.indexOf(':') >= 0 ? org.xbill.DNS.Address.IPv6 : org.xbill.DNS.Address.IPv4));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  private static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }

  private static String key(String name, int type) {
    return name(name).toString().toLowerCase() + "/" + Type.string(type);
  }

  private static String key(Record question) {
    return question.getName().toString().toLowerCase() + "/" + Type.string(question.getType());
  }

  // ---- Serving --------------------------------------------------------------------------------

  /** The answer's wire form, or null for no answer. */
  private byte[] respond(Message query, boolean overTcp) {
    Record question = query.getQuestion();
    if (question == null) {
      return null;
    }
    (overTcp ? tcpQueries : udpQueries).computeIfAbsent(key(question), k -> new AtomicInteger())
        .incrementAndGet();
    Behaviour b = behaviours.get(key(question));
    if (b == null) {
      // A name the test set up for another type exists: NOERROR with no records (NODATA).
      String owner = question.getName().toString().toLowerCase() + "/";
      boolean exists = behaviours.keySet().stream().anyMatch(k -> k.startsWith(owner));
      b = new Behaviour(Mode.ANSWER, exists ? Rcode.NOERROR : Rcode.NXDOMAIN, List.of(),
          List.of(soa(question.getName().toString(), 30)), List.of());
    }
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.RA);
    if (query.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    response.addRecord(question, Section.QUESTION);
    switch (b.mode) {
      case DROP:
        return null;
      case GARBAGE: {
        byte[] wire = response.toWire();
        byte[] bad = new byte[wire.length + 7];
        System.arraycopy(wire, 0, bad, 0, wire.length);
        bad[7] = 1; // claims one answer record, then ends in the middle of it
        for (int i = wire.length; i < bad.length; i++) {
          bad[i] = (byte) 0xc0;
        }
        return bad;
      }
      case ALWAYS_TRUNCATED:
        response.getHeader().setFlag(Flags.TC);
        return response.toWire();
      default:
        break;
    }
    response.getHeader().setRcode(b.rcode);
    for (Record r : b.answer) {
      response.addRecord(r, Section.ANSWER);
    }
    for (Record r : b.authority) {
      response.addRecord(r, Section.AUTHORITY);
    }
    for (Record r : b.additional) {
      response.addRecord(r, Section.ADDITIONAL);
    }
    if (overTcp) {
      return response.toWire();
    }
    OPTRecord opt = query.getOPT();
    int limit = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
    return response.toWire(limit); // sets TC when it does not fit
  }

  private void serveUdp() {
    byte[] buffer = new byte[65_535];
    while (!closed) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        udp.receive(packet);
      } catch (IOException e) {
        return; // closed
      }
      byte[] out;
      try {
        out = respond(new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength())),
            false);
      } catch (IOException malformedQuery) {
        continue;
      }
      if (out != null) {
        try {
          udp.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
        } catch (IOException e) {
          // the client is gone
        }
      }
    }
  }

  private void acceptTcp() {
    while (!closed) {
      Socket s;
      try {
        s = tcp.accept();
      } catch (IOException e) {
        return; // closed
      }
      connections.add(s);
      start("dns-test-tcp", () -> serveTcp(s));
    }
  }

  /** Length-prefixed messages, several per connection, until the client closes it. */
  private void serveTcp(Socket s) {
    try (s; DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
      while (!closed) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException e) {
          return;
        }
        byte[] query = new byte[length];
        in.readFully(query);
        byte[] answer = respond(new Message(query), true);
        if (answer != null) {
          out.writeShort(answer.length);
          out.write(answer);
          out.flush();
        }
      }
    } catch (SocketException closedSocket) {
      // server closed or client went away
    } catch (IOException e) {
      // malformed query or broken connection: drop it
    } finally {
      connections.remove(s);
    }
  }

  private void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    udp.close();
    tcp.close();
    for (Socket s : new ArrayList<>(connections)) {
      s.close();
    }
    try {
      for (Thread t : threads) {
        t.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
