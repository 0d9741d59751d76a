/*
 * vigil-workload: the built-in workload of `vigil demo` and of the end-to-end tests.
 *
 * Normal behaviour (default): every 10 ms read /etc/hostname, ask for its pid, write a
 * line to /dev/null, sleep. Anomalous behaviour (after SIGUSR1, until SIGUSR2): on top
 * of that, each iteration spawns a shell (`/bin/sh -c true`), reads /etc/passwd, lists
 * /etc and tries a TCP connection to 127.0.0.1:9, the things a compromised server does.
 * The process dies with its parent (PR_SET_PDEATHSIG) and on SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t anomalous;

static void on_usr1(int s) { (void)s; anomalous = 1; }
static void on_usr2(int s) { (void)s; anomalous = 0; }

static void read_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

static void misbehave(void)
{
	pid_t child = fork();
	if (child == 0) {
		execl("/bin/sh", "sh", "-c", "true", (char *)NULL);
		_exit(127);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
	read_file("/etc/passwd");
	DIR *d = opendir("/etc");
	if (d) {
		while (readdir(d))
			;
		closedir(d);
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		connect(s, (struct sockaddr *)&a, sizeof a);
		close(s);
	}
}

int main(int argc, char **argv)
{
	long period_us = argc > 1 ? atol(argv[1]) : 10000;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 0;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	printf("ready %d\n", getpid());
	fflush(stdout);
	struct timespec ts = { .tv_sec = period_us / 1000000, .tv_nsec = (period_us % 1000000) * 1000 };
	for (;;) {
		read_file("/etc/hostname");
		char line[64];
		int n = snprintf(line, sizeof line, "tick %d\n", getpid());
		if (devnull >= 0)
			write(devnull, line, n);
		if (anomalous)
			misbehave();
		nanosleep(&ts, NULL);
	}
}
