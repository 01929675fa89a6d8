/**
 * lb-client on the server side: {@link dev.lbclient.server.ServerLoadTracker} measures a server's
 * load and the filters write it into every response as an ORCA {@code endpoint-load-metrics}
 * header, for the JDK {@code HttpServer} and for Jakarta Servlet containers (the servlet API is
 * needed only by the servlet filter).
 */
module dev.lbclient.server {
  requires transitive dev.lbclient;
  requires transitive jdk.httpserver;
  requires jdk.management;
  requires static transitive jakarta.servlet;
  requires static transitive org.jspecify;

  exports dev.lbclient.server;
}
