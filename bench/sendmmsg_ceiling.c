/* The ceiling for bench/scan.sh: a bare sendmmsg loop of the same datagram (PKTFILE, a request
 * vpndiag scan sent) to COUNT destinations walking an IPv4 prefix, 64 per call, no rate limit, no
 * hashing, no receive side. Prints "sent N in S s = R pkt/s". Only for the scan lab's namespaces.
 * Build: cc -O2 -o sendmmsg_ceiling bench/sendmmsg_ceiling.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: sendmmsg_ceiling PKTFILE A.B.C.D/N COUNT PORT\n");
		return 2;
	}
	static unsigned char pkt[4096];
	FILE *f = fopen(argv[1], "rb");
	size_t len = f ? fread(pkt, 1, sizeof pkt, f) : 0;
	if (f)
		fclose(f);
	char net[64];
	snprintf(net, sizeof net, "%s", argv[2]);
	char *slash = strchr(net, '/');
	struct in_addr base;
	if (!len || !slash || (*slash = 0, inet_pton(AF_INET, net, &base) != 1)) {
		fprintf(stderr, "bad packet file or prefix\n");
		return 2;
	}
	unsigned plen = (unsigned)strtoul(slash + 1, NULL, 10);
	uint32_t size = plen >= 32 ? 1 : (uint32_t)1 << (32 - plen), b = ntohl(base.s_addr);
	unsigned long count = strtoul(argv[3], NULL, 10);
	unsigned short port = (unsigned short)strtoul(argv[4], NULL, 10);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int snd = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd);
	struct sockaddr_in dst[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];
	memset(m, 0, sizeof m);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = pkt;
		iov[i].iov_len = len;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &dst[i];
		m[i].msg_hdr.msg_namelen = sizeof dst[i];
		memset(&dst[i], 0, sizeof dst[i]);
		dst[i].sin_family = AF_INET;
		dst[i].sin_port = htons(port);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long sent = 0, errs = 0, k = 0;
	while (sent + errs < count) {
		unsigned n = count - sent - errs < BATCH ? (unsigned)(count - sent - errs) : BATCH;
		for (unsigned i = 0; i < n; i++)
			dst[i].sin_addr.s_addr = htonl(b + (uint32_t)(k++ % size));
		unsigned done = 0;
		while (done < n) {
			int r = sendmmsg(fd, m + done, n - done, 0);
			if (r > 0)
				done += (unsigned)r;
			else if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
				continue;
			else {
				errs++;
				done++;
			}
		}
		sent += done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("sent %lu in %.3f s = %.0f pkt/s (%lu errors)\n", sent, s, sent / s, errs);
	close(fd);
	return 0;
}
