/*
 * open_loop N PATH [--wait] [--time]
 * Opens PATH read-only and closes it, exactly N times (2N calls, the open dispatched to a
 * file rule by workload.bpf.c). --wait blocks until one byte arrives on stdin; --time
 * prints the mean ns per open+close pair on stdout.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: open_loop N PATH [--wait] [--time]\n");
		return 2;
	}
	long n = atol(argv[1]);
	const char *path = argv[2];
	int wait = 0, timeit = 0;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--wait")) wait = 1;
		else if (!strcmp(argv[i], "--time")) timeit = 1;
	}
	if (wait) {
		char c;
		if (read(0, &c, 1) != 1)
			return 3;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 4;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (timeit) {
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		printf("%.2f\n", ns / (double)n);
	}
	return 0;
}
