/* A client for the agent's domains test (DomainsKernelTest): until DIR/stop exists, every
 * 20 ms it looks up the name in DIR/name with getaddrinfo (glibc's resolver: /etc/hosts,
 * which the test replaces in a mount namespace of its own) and starts a non-blocking TCP
 * connection to port 443 of the first answer, then closes it (nothing need answer). */
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char stop[512], namefile[512];
	snprintf(stop, sizeof(stop), "%s/stop", argv[1]);
	snprintf(namefile, sizeof(namefile), "%s/name", argv[1]);
	long rounds = 0;
	while (access(stop, F_OK) != 0) {
		char name[128] = "";
		int fd = open(namefile, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, name, sizeof(name) - 1);
			close(fd);
			name[n > 0 ? n : 0] = 0;
			name[strcspn(name, "\n")] = 0;
		}
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
		if (name[0] && getaddrinfo(name, "443", &hints, &res) == 0) {
			int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (s >= 0) {
				connect(s, res->ai_addr, res->ai_addrlen);
				close(s);
			}
			freeaddrinfo(res);
			rounds++;
		}
		usleep(20000);
	}
	printf("done %ld\n", rounds);
	return 0;
}
