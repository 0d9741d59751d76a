/* VIGIL_NOSTDLIB
 * spin N: writes "ready\n", waits for a byte on stdin, calls getppid exactly N times, writes
 * "done\n", waits for another byte, exits 0. Between the two reads it enters exactly N + 2
 * system calls (N getppid, the write, the second read). */
#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}
static long atol_(const char *s) { long v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }

__attribute__((used)) void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	long n = argc > 1 ? atol_(argv[1]) : 0;
	char c;
	sys3(1, 1, (long)"ready\n", 6);
	sys3(0, 0, (long)&c, 1);
	for (long i = 0; i < n; i++)
		sys3(110, 0, 0, 0);
	sys3(1, 1, (long)"done\n", 5);
	sys3(0, 0, (long)&c, 1);
	sys3(231, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n hlt\n");
#else
void _start(void) { for (;;) ; }
#endif
