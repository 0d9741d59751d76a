/*
 * paced execs RATE SECONDS   starts RATE programs a second (fork, exec /bin/true, wait)
 * paced calls RATE SECONDS   makes RATE system calls a second (getppid, getuid, fstat,
 *                            lseek and a 0-byte read on /dev/null, in turn)
 * for SECONDS seconds, paced by clock_nanosleep in 10 ms steps (for bench/agent.sh: the
 * load of a watched service). Prints how many it made and the rate reached.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "execs") && strcmp(argv[1], "calls"))) {
		fprintf(stderr, "usage: paced execs|calls RATE SECONDS\n");
		return 2;
	}
	int execs = !strcmp(argv[1], "execs");
	long rate = atol(argv[2]), secs = atol(argv[3]);
	if (rate <= 0 || secs <= 0) {
		fprintf(stderr, "paced: RATE and SECONDS must be positive\n");
		return 2;
	}
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("paced: /dev/null");
		return 1;
	}
	struct timespec start, next, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	next = start;
	long made = 0, per_step = rate / 100 > 0 ? rate / 100 : 1;
	char buf[1];
	struct stat st;
	for (long step = 0; step < secs * 100; step++) {
		for (long i = 0; i < per_step; i++, made++) {
			if (execs) {
				pid_t p = fork();
				if (p == 0) {
					execl("/bin/true", "true", (char *)0);
					_exit(127);
				}
				if (p > 0)
					waitpid(p, 0, 0);
				continue;
			}
			switch (made % 5) {
			case 0: syscall(SYS_getppid); break;
			case 1: syscall(SYS_getuid); break;
			case 2: fstat(fd, &st); break;
			case 3: lseek(fd, 0, SEEK_SET); break;
			case 4: if (read(fd, buf, 0) < 0) return 1; break;
			}
		}
		next.tv_nsec += 10 * 1000 * 1000;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	double s = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	printf("%ld %s in %.1f s (%.0f a second)\n", made, argv[1], s, made / s);
	return 0;
}
