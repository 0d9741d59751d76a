/*
 * svc_launch CGROUP_DIR USER PROGRAM [ARG...]: starts a service the way systemd does:
 * moves itself into the cgroup (CGROUP_DIR/cgroup.procs), takes USER's ids and groups
 * (USER "-" keeps root), then execs PROGRAM, so PROGRAM is the first program its workload
 * runs in that cgroup (no intermediate shell or setpriv is exec'd there). Used by the
 * scenario benchmark. Exits 111 with a message on stderr when a step fails.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: svc_launch CGROUP_DIR USER|- PROGRAM [ARG...]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) {
		fprintf(stderr, "svc_launch: cannot join %s: %s\n", path, strerror(errno));
		return 111;
	}
	if (strcmp(argv[2], "-") != 0) {
		struct passwd *pw = getpwnam(argv[2]);
		if (!pw) {
			fprintf(stderr, "svc_launch: no user %s\n", argv[2]);
			return 111;
		}
		if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
			fprintf(stderr, "svc_launch: cannot become %s: %s\n", argv[2], strerror(errno));
			return 111;
		}
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
	}
	execv(argv[3], argv + 3);
	fprintf(stderr, "svc_launch: cannot run %s: %s\n", argv[3], strerror(errno));
	return 111;
}
