/* A probe target with known functions, calls and arguments (ProbeKernelTest).
 *   probe_target N [now]   waits for a line on stdin (the probes are attached; not with now), then, N times:
 *     vigil_t_add(i, 100)                       (returns i + 100)
 *     vigil_t_outer(i) -> vigil_t_middle -> vigil_t_inner, which calls getppid();
 *                         vigil_t_outer then calls getpid()
 *     USDT vigiltest:tick with (i, "tick-<i>")  (sys/sdt.h, systemtap-sdt-dev)
 *   and prints "done". Functions are noinline and their calls are not tail calls, so each
 *   has its own entry and return. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sdt.h>

__attribute__((noinline, used)) int vigil_t_add(int a, int b)
{
	asm volatile("" ::: "memory");
	return a + b;
}

__attribute__((noinline, used)) long vigil_t_inner(long i)
{
	asm volatile("" ::: "memory");
	return getppid() + i;
}

__attribute__((noinline, used)) long vigil_t_middle(long i)
{
	long r = vigil_t_inner(i);
	asm volatile("" ::: "memory");
	return r + 1;
}

__attribute__((noinline, used)) long vigil_t_outer(long i)
{
	long r = vigil_t_middle(i);
	asm volatile("" ::: "memory");
	return r + 1 + (getpid() & 0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	char line[16];
	if (!(argc > 2 && strcmp(argv[2], "now") == 0) && !fgets(line, sizeof(line), stdin))
		return 2;
	long sum = 0;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "tick-%d", i);
		sum += vigil_t_add(i, 100);
		sum += vigil_t_outer(i);
		DTRACE_PROBE2(vigiltest, tick, i, name);
	}
	printf("done %ld\n", sum);
	return 0;
}
