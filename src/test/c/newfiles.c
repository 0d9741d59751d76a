/*
 * newfiles RATE SECONDS DIR
 * Creates, closes and deletes RATE new files a second (DIR/f0, DIR/f1, ...: never the same
 * name twice) for SECONDS seconds: each is a first sight for workload.bpf.c twice over (a
 * create, a delete), which all generalise to the same two profile items. Paced by
 * clock_nanosleep in 10 ms steps. Prints how many it made.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: newfiles RATE SECONDS DIR\n");
		return 2;
	}
	long rate = atol(argv[1]), secs = atol(argv[2]);
	const char *dir = argv[3];
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	long made = 0, per_step = rate / 100 > 0 ? rate / 100 : 1;
	char path[4096];
	for (long step = 0; step < secs * 100; step++) {
		for (long i = 0; i < per_step; i++, made++) {
			snprintf(path, sizeof path, "%s/f%ld", dir, made);
			int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
			if (fd < 0)
				return 4;
			close(fd);
			unlink(path);
		}
		next.tv_nsec += 10000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%ld\n", made);
	return 0;
}
