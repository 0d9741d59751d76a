/*
 * nettraffic: known traffic for the net collector's test.
 *   nettraffic sink PORT COUNT         receive COUNT UDP datagrams on [::]:PORT (IPv4 and IPv6);
 *                                      prints "ready" once bound
 *   nettraffic send ADDR PORT COUNT SIZE   send COUNT datagrams of SIZE bytes to ADDR:PORT
 *   nettraffic ping ADDR COUNT         COUNT ICMP (or ICMPv6) echo requests of 56 data bytes,
 *                                      each waiting for its reply (raw socket: root)
 * Exits 0 when all went through; gives up after 20 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int parse(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	return -1;
}

static unsigned short checksum(void *p, int len)
{
	unsigned long sum = 0;
	unsigned short *w = p;
	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(unsigned char *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

int main(int argc, char **argv)
{
	alarm(20);
	if (argc >= 4 && !strcmp(argv[1], "sink")) {
		int s = socket(AF_INET6, SOCK_DGRAM, 0), off = 0;
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[2])), .sin6_addr = in6addr_any};
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0)
			return 3;
		printf("ready\n");
		fflush(stdout);
		char buf[2048];
		for (int i = atoi(argv[3]); i > 0; i--)
			if (recv(s, buf, sizeof(buf), 0) < 0)
				return 4;
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "send")) {
		struct sockaddr_storage ss;
		socklen_t len;
		int family = parse(argv[2], atoi(argv[3]), &ss, &len);
		if (family < 0)
			return 2;
		int s = socket(family, SOCK_DGRAM, 0), size = atoi(argv[5]);
		char *buf = calloc(1, size);
		for (int i = atoi(argv[4]); i > 0; i--) {
			if (sendto(s, buf, size, 0, (struct sockaddr *)&ss, len) != size)
				return 5;
			usleep(1000);
		}
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "ping")) {
		struct sockaddr_storage ss;
		socklen_t len;
		int family = parse(argv[2], 0, &ss, &len);
		if (family < 0)
			return 2;
		int s = socket(family, SOCK_RAW, family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		if (s < 0)
			return 6;
		unsigned short id = getpid() & 0xffff;
		for (int seq = 1; seq <= atoi(argv[3]); seq++) {
			unsigned char pkt[64] = {0};
			pkt[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
			memcpy(pkt + 4, &id, 2);
			unsigned short nseq = htons(seq);
			memcpy(pkt + 6, &nseq, 2);
			if (family == AF_INET) {
				unsigned short c = checksum(pkt, sizeof(pkt));
				memcpy(pkt + 2, &c, 2);
			}
			if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, len) != sizeof(pkt))
				return 7;
			for (;;) { /* wait for our reply */
				unsigned char in[1500];
				ssize_t n = recv(s, in, sizeof(in), 0);
				if (n < 0)
					return 8;
				unsigned char *icmp = in;
				if (family == AF_INET)
					icmp = in + ((in[0] & 0x0f) * 4);
				int reply = family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
				if (icmp[0] == reply && !memcmp(icmp + 4, &id, 2) && !memcmp(icmp + 6, &nseq, 2))
					break;
			}
		}
		return 0;
	}
	fprintf(stderr, "usage: nettraffic sink PORT COUNT | send ADDR PORT COUNT SIZE | ping ADDR COUNT\n");
	return 2;
}
