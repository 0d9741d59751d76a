/* VIGIL_PTHREAD: the demo's small web service, with a command-injection flaw on purpose.
 *   vigil-webapp PORT          serves HTTP/1.0 on 127.0.0.1:PORT with 4 worker threads
 *   GET /                      a page
 *   GET /time                  runs `date +%s` in a child process (a child now and then)
 *   GET /lookup?host=NAME      runs `getent hosts NAME` through /bin/sh: NAME is not
 *                              escaped, so `localhost;cat /etc/shadow` runs a second command
 *   GET /stats                 reads /proc/self/status
 * Prints "ready PORT" on stdout once listening. Ends on SIGTERM. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int listener;

static void url_decode(char *s)
{
	char *o = s;
	for (; *s; s++, o++) {
		if (*s == '%' && s[1] && s[2]) {
			char h[3] = {s[1], s[2], 0};
			*o = (char)strtol(h, NULL, 16);
			s += 2;
		} else if (*s == '+') {
			*o = ' ';
		} else {
			*o = *s;
		}
	}
	*o = 0;
}

static void reply(int fd, const char *body, size_t len)
{
	char head[128];
	int n = snprintf(head, sizeof head, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n", len);
	if (write(fd, head, n) < 0 || write(fd, body, len) < 0)
		return;
}

/* Runs argv (or a shell command line when sh is set) and replies with what it printed. */
static void run(int fd, const char *cmd, int sh)
{
	char out[4096];
	size_t len = 0;
	FILE *p;
	if (sh) {
		p = popen(cmd, "r"); /* the flaw: cmd holds the request's text */
	} else {
		p = popen("/bin/date +%s", "r");
	}
	if (!p) {
		reply(fd, "error\n", 6);
		return;
	}
	len = fread(out, 1, sizeof out, p);
	pclose(p);
	reply(fd, out, len);
}

static void handle(int fd)
{
	char req[2048];
	ssize_t n = read(fd, req, sizeof req - 1);
	if (n <= 0)
		return;
	req[n] = 0;
	char *path = strchr(req, ' ');
	if (!path)
		return;
	path++;
	char *end = strchr(path, ' ');
	if (end)
		*end = 0;
	if (!strncmp(path, "/lookup?host=", 13)) {
		char cmd[1024];
		url_decode(path + 13);
		snprintf(cmd, sizeof cmd, "getent hosts %s", path + 13);
		run(fd, cmd, 1);
	} else if (!strcmp(path, "/time")) {
		run(fd, NULL, 0);
	} else if (!strcmp(path, "/stats")) {
		char buf[2048];
		FILE *f = fopen("/proc/self/status", "r");
		size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		reply(fd, buf, len);
	} else {
		reply(fd, "<h1>vigil demo service</h1>\n", 28);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0)
			continue;
		handle(fd);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vigil-webapp PORT\n");
		return 2;
	}
	listener = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 64)) {
		perror("vigil-webapp: bind");
		return 1;
	}
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	printf("ready %s\n", argv[1]);
	fflush(stdout);
	pthread_join(t[0], NULL);
	return 0;
}
