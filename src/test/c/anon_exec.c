/* For the code-from-nowhere test (StackKernelTest): until DIR/stop exists, every 20 ms it
 * reads DIR/name; once DIR/go exists it copies a few bytes of machine code into anonymous
 * executable memory (mapped at start-up) and runs them: an openat(AT_FDCWD, DIR/secret) system
 * call of their own, the syscall instruction in the anonymous page, then a return. x86-64 only. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char stop[512], name[512], go[512], secret[512];

/* x86-64: mov rsi, rdi; mov edi, -100; xor edx, edx; mov eax, 257 (openat); syscall; ret */
static const unsigned char code[] = {
	0x48, 0x89, 0xfe,                         /* mov %rdi,%rsi */
	0xbf, 0x9c, 0xff, 0xff, 0xff,             /* mov $-100,%edi */
	0x31, 0xd2,                               /* xor %edx,%edx */
	0xb8, 0x01, 0x01, 0x00, 0x00,             /* mov $257,%eax */
	0x0f, 0x05,                               /* syscall */
	0xc3,                                     /* ret */
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	snprintf(stop, sizeof(stop), "%s/stop", argv[1]);
	snprintf(name, sizeof(name), "%s/name", argv[1]);
	snprintf(go, sizeof(go), "%s/go", argv[1]);
	snprintf(secret, sizeof(secret), "%s/secret", argv[1]);
#if defined(__x86_64__)
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 3;
	memcpy(page, code, sizeof(code));
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0)
		return 4;
	long (*injected)(const char *) = (long (*)(const char *))page;
#endif
	long n = 0;
	while (access(stop, F_OK) != 0) {
		int fd = open(name, O_RDONLY);
		if (fd >= 0)
			close(fd);
#if defined(__x86_64__)
		if (access(go, F_OK) == 0) {
			long r = injected(secret);
			if (r >= 0)
				close((int)r);
		}
#endif
		n++;
		usleep(20000);
	}
	printf("done %ld\n", n);
	return 0;
}
