/* pingpong server ADDR PORT
 * pingpong client ADDR PORT SECONDS WARMUP_MS
 *
 * UDP ping-pong, the noisy-neighbour experiment's latency probe (tests/
 * bench/exp_noisy.py). The server echoes every datagram. The client sends
 * 64 bytes, blocks in recv for the echo (as sockperf ping-pong does), and
 * records the round trip (CLOCK_MONOTONIC), one message at a time, for
 * SECONDS after WARMUP_MS of unrecorded ones; then prints
 *   n N min X p25 X p50 X p75 X p90 X p99 X p99.9 X max X
 * in microseconds on one line. Unlike sockperf it has no fixed 2 s pause
 * before the test, so a scenario costs its SECONDS. Built static: it runs
 * in the busybox fixture. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    (!strcmp(argv[1], "client") && argc != 6)) {
		fputs("usage: pingpong server ADDR PORT | pingpong client ADDR PORT SECONDS WARMUP_MS\n", stderr);
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
	if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "pingpong: %s: not an IPv4 address\n", argv[2]);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("pingpong: socket");
		return 1;
	}
	char buf[64] = "hull pingpong";
	if (!strcmp(argv[1], "server")) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("pingpong: bind");
			return 1;
		}
		for (;;) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
			if (n > 0)
				sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
		}
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("pingpong: connect");
		return 1;
	}
	/* A lost datagram (none expected on a bridge) must not hang the client. */
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint64_t secs = strtoull(argv[4], NULL, 10), warm = strtoull(argv[5], NULL, 10);
	size_t cap = 1 << 20, n = 0;
	uint32_t *v = malloc(cap * sizeof(*v));
	if (!v) {
		perror("pingpong: malloc");
		return 1;
	}
	uint64_t start = now_ns(), from = start + warm * 1000000u, until = from + secs * 1000000000u;
	unsigned lost = 0;
	for (;;) {
		uint64_t t0 = now_ns();
		if (t0 >= until)
			break;
		if (send(fd, buf, sizeof(buf), 0) < 0 || recv(fd, buf, sizeof(buf), 0) < 0) {
			if (++lost > 3) {
				perror("pingpong: send/recv");
				return 1;
			}
			continue;
		}
		uint64_t rtt = now_ns() - t0;
		if (t0 < from)
			continue;
		if (n == cap) {
			cap *= 2;
			uint32_t *w = realloc(v, cap * sizeof(*v));
			if (!w) {
				perror("pingpong: realloc");
				return 1;
			}
			v = w;
		}
		v[n++] = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	}
	if (!n) {
		fputs("pingpong: no round trip measured\n", stderr);
		return 1;
	}
	qsort(v, n, sizeof(*v), cmp);
	printf("n %zu min %.3f p25 %.3f p50 %.3f p75 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n", n,
	       v[0] / 1000.0, pct(v, n, 0.25), pct(v, n, 0.5), pct(v, n, 0.75), pct(v, n, 0.9), pct(v, n, 0.99),
	       pct(v, n, 0.999), v[n - 1] / 1000.0);
	return 0;
}
