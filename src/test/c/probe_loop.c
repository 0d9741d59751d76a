/* probe_loop MODE N: after one byte on stdin (the probes are attached), N iterations of
 * MODE (fn: a call of the noinline vigil_b_fn(i); usdt: the USDT probe vigilbench:tick(i),
 * sys/sdt.h); prints the mean ns per iteration (bench/probes.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sdt.h>

__attribute__((noinline, used)) long vigil_b_fn(long i)
{
	asm volatile("" ::: "memory");
	return i ^ 0x5a;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int usdt = !strcmp(argv[1], "usdt");
	long n = atol(argv[2]), sum = 0;
	char c;
	if (read(0, &c, 1) != 1)
		return 3;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (usdt) {
		for (long i = 0; i < n; i++) {
			DTRACE_PROBE1(vigilbench, tick, i);
			asm volatile("" ::: "memory");
		}
	} else {
		for (long i = 0; i < n; i++)
			sum += vigil_b_fn(i);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.2f %ld\n", ns / (double)n, sum);
	return 0;
}
