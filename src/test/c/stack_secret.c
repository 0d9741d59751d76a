/* A service for the stack tests (StackKernelTest), built twice (VIGIL_FRAME_POINTERS): with
 * frame pointers and line tables, and as stack_secret-nofp without. Until DIR/stop exists,
 * every 20 ms handle_request() reads DIR/name; once DIR/go exists it also calls
 * open_secret(), which opens DIR/secret: a new file for a stable profile, made in a known
 * function called by a known caller. All noinline, no tail calls. With "fork-exec" after DIR,
 * each request is handled in a forked child that then executes /bin/true at once, as a
 * forking server running a helper does: by the time user space reads the child's
 * /proc/PID/maps, they are true's. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char stop[512], name[512], go[512], secret[512], spawn[512];

/* Once DIR/spawn exists: starts a program through popen (posix_spawn, as a service running a
 * helper or a command injection does), in a known function called by a known caller. */
__attribute__((noinline, used)) int spawn_helper(void)
{
	FILE *p = popen("/bin/true", "r");
	asm volatile("" ::: "memory");
	return p ? pclose(p) : -1;
}

__attribute__((noinline, used)) int open_secret(const char *path)
{
	int fd = open(path, O_RDONLY);
	asm volatile("" ::: "memory");
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

__attribute__((noinline, used)) int handle_request(void)
{
	int r = 0, fd = open(name, O_RDONLY);
	if (fd >= 0)
		close(fd);
	if (access(go, F_OK) == 0)
		r = open_secret(secret);
	if (access(spawn, F_OK) == 0)
		r += spawn_helper();
	asm volatile("" ::: "memory");
	return r + 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	snprintf(stop, sizeof(stop), "%s/stop", argv[1]);
	snprintf(name, sizeof(name), "%s/name", argv[1]);
	snprintf(go, sizeof(go), "%s/go", argv[1]);
	snprintf(secret, sizeof(secret), "%s/secret", argv[1]);
	snprintf(spawn, sizeof(spawn), "%s/spawn", argv[1]);
	long n = 0;
	int forking = argc > 2 && strcmp(argv[2], "fork-exec") == 0;
	while (access(stop, F_OK) != 0) {
		if (forking) {
			pid_t c = fork();
			if (c == 0) {
				handle_request();
				execl("/bin/true", "true", (char *)0);
				_exit(127);
			}
			if (c > 0 && waitpid(c, 0, 0) == c)
				n++;
		} else {
			n += handle_request();
		}
		usleep(20000);
	}
	printf("done %ld\n", n);
	return 0;
}
