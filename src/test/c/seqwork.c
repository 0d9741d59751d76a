/* VIGIL_NOSTDLIB: built with -nostdlib -static, so the process makes exactly the system
 * calls written here and no others (no libc start-up), for exact kernel-profile tests.
 *   seqwork 0 N        N times: getpid getppid getuid getgid; then exit_group(0)
 *   seqwork 1 N        the same, with geteuid getegid inserted after iteration N/2
 *   seqwork 2 N PATH   fork 3 children: two exec PATH 0 N, one exits at once; wait for all
 *   seqwork 3 N        N times: geteuid getegid (after mode 0's profile, every call is unseen)
 * x86_64 only. */
#if defined(__x86_64__)
typedef unsigned long u64;

static long sys0(long n) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory"); return r; }
static long sys1(long n, long a) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory"); return r; }
static long sys3(long n, long a, long b, long c) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}
static long sys4(long n, long a, long b, long c, long d) {
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

#define NR_GETPID 39
#define NR_FORK 57
#define NR_EXECVE 59
#define NR_EXIT_GROUP 231
#define NR_WAIT4 61
#define NR_GETUID 102
#define NR_GETGID 104
#define NR_GETEUID 107
#define NR_GETEGID 108
#define NR_GETPPID 110

static long number(const char *s) { long v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }

static void loop(long n, int anomalous) {
	for (long i = 0; i < n; i++) {
		sys0(NR_GETPID);
		sys0(NR_GETPPID);
		sys0(NR_GETUID);
		sys0(NR_GETGID);
		if (anomalous && i == n / 2) {
			sys0(NR_GETEUID);
			sys0(NR_GETEGID);
		}
	}
}

__attribute__((used)) void vigil_main(long *sp) {
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long mode = argc > 1 ? number(argv[1]) : 0, n = argc > 2 ? number(argv[2]) : 100;
	if (mode == 2 && argc > 3) {
		for (int c = 0; c < 3; c++) {
			long pid = sys0(NR_FORK);
			if (pid == 0) {
				if (c < 2) {
					char *args[] = {argv[3], "0", argv[2], 0};
					sys3(NR_EXECVE, (long)argv[3], (long)args, (long)envp);
				}
				sys1(NR_EXIT_GROUP, 0);
			}
		}
		for (int c = 0; c < 3; c++) sys4(NR_WAIT4, -1, 0, 0, 0);
		sys1(NR_EXIT_GROUP, 0);
	}
	if (mode == 3) {
		for (long i = 0; i < n; i++) {
			sys0(NR_GETEUID);
			sys0(NR_GETEGID);
		}
		sys1(NR_EXIT_GROUP, 0);
	}
	loop(n, mode == 1);
	sys1(NR_EXIT_GROUP, 0);
}

__asm__(".text\n.global _start\n_start:\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call vigil_main\n  hlt\n");
#else
void _start(void) { for (;;) ; }
#endif
