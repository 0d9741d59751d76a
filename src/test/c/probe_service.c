/* A service for the agent's custom-probe test (ProbeAgentKernelTest): until DIR/stop exists,
 * every 20 ms it reads the name in DIR/name (none: "alpha") and handles it:
 * vigil_s_handle(name) calls vigil_s_lookup(name), which opens the name when it is a path.
 * Both are noinline, and the calls are not tail calls, so each has its own entry and return. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline, used)) long vigil_s_lookup(const char *name)
{
	asm volatile("" ::: "memory");
	if (name[0] == '/') {
		int fd = open(name, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return (long)strlen(name) + getppid();
}

__attribute__((noinline, used)) long vigil_s_handle(const char *name)
{
	long r = vigil_s_lookup(name);
	asm volatile("" ::: "memory");
	return r + 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char stop[512], namefile[512];
	snprintf(stop, sizeof(stop), "%s/stop", argv[1]);
	snprintf(namefile, sizeof(namefile), "%s/name", argv[1]);
	long sum = 0;
	while (access(stop, F_OK) != 0) {
		char name[64] = "alpha";
		int fd = open(namefile, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, name, sizeof(name) - 1);
			close(fd);
			if (n > 0) {
				name[n] = 0;
				name[strcspn(name, "\n")] = 0;
			} else {
				strcpy(name, "alpha");
			}
		}
		sum += vigil_s_handle(name);
		usleep(20000);
	}
	printf("done %ld\n", sum);
	return 0;
}
