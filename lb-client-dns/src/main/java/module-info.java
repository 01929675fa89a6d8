/**
 * lb-client's DNS discovery: {@link dev.lbclient.dns.DnsEndpointSource} keeps a load balancer's
 * endpoints in step with SRV or A/AAAA records, through dnsjava.
 */
module dev.lbclient.dns {
  requires transitive dev.lbclient;
  requires org.dnsjava;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.lbclient.dns;
}
