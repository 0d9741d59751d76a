/*
 * getppid_loop N [--wait] [--time]
 * Calls getppid exactly N times through syscall(2). With --wait it first blocks until
 * one byte arrives on stdin (so a probe can be attached to its pid before it starts).
 * With --time it prints the mean ns per call of the loop on stdout.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: getppid_loop N [--wait] [--time]\n");
		return 2;
	}
	long n = atol(argv[1]);
	int wait = 0, timeit = 0;
	for (int i = 2; i < argc; i++) {
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
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (timeit) {
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		printf("%.2f\n", ns / (double)n);
	}
	return 0;
}
